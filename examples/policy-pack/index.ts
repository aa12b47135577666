// `pulumi preview --policy-pack <this directory>` checks a program's ImmyBot resources with the rules of
// `pulumi-immybot lint`: staggered windows, test first, forced reboots on workstations, prompts without a timeout
// action, e-mail options without an e-mail, a rollout whose first ring is large. Errors are mandatory (they stop
// `preview` and `up`), warnings advisory.
import { PolicyPack } from "@pulumi/policy";
import { immybotPolicies } from "pulumi-immybot/policy-pack";

new PolicyPack("immybot-best-practices", {
  policies: immybotPolicies({
    // Rules not to apply at all, by id (the pack's config can turn one on again):
    ignore: [],
    // Resources a rule does not apply to, by resource name (a program's `lint: { ignore: [...] }`):
    ignoreResources: { "test-first": ["defender-everywhere"] },
    // The limits of staggered-windows: schedules executing within one hour, per tenant and across the stack, and
    // computers per hour of a tenant (Computer targets, and Tag targets with the stack's TagMemberships). Tenants
    // that share infrastructure (a site, a link) count together, by tenant id: sharedInfrastructure: [[3, 4]].
    staggeredWindows: { maxPerTenant: 2, maxPerRepository: 6, maxComputersPerHour: 50, sharedInfrastructure: [] },
    // The limits of rollout-first-ring: a MaintenanceRollout's first ring, as a share and in computers.
    rollouts: { maxFirstRingFraction: 0.2, maxFirstRingComputers: 5 },
  }),
});
