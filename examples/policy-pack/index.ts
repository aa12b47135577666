// `pulumi preview --policy-pack <this directory>` checks a program's ImmyBot resources with the rules of
// `pulumi-immybot lint`: staggered windows, test first, forced reboots on workstations, prompts without a timeout
// action, e-mail options without an e-mail. Errors are mandatory (they stop `preview` and `up`), warnings advisory.
import { PolicyPack } from "@pulumi/policy";
import { immybotPolicies } from "pulumi-immybot/policy-pack";

new PolicyPack("immybot-best-practices", {
  policies: immybotPolicies({
    // Rules not to apply at all, by id (the pack's config can turn one on again):
    ignore: [],
    // Resources a rule does not apply to, by resource name (a program's `lint: { ignore: [...] }`):
    ignoreResources: { "test-first": ["defender-everywhere"] },
    // The limits of staggered-windows: schedules executing within one hour, per tenant and across the stack.
    staggeredWindows: { maxPerTenant: 2, maxPerRepository: 6 },
  }),
});
