/**
 * pulumi-immybot: ImmyBot maintenance configuration as Pulumi resources.
 * Configure with `pulumi config set immybot:instance <subdomain>` and credentials (docs/configuration.md).
 */
export { Schedule, type ScheduleArgs } from "./schedule";
export { Deployment, type DeploymentArgs } from "./deployment";
export { MaintenanceSession, type MaintenanceSessionArgs } from "./maintenance-session";
export { Tag, type TagArgs } from "./tag";
export { TagMembership, type TagMembershipArgs } from "./tag-membership";
export { MaintenanceRollout, type MaintenanceRolloutArgs } from "./maintenance-rollout";
export * from "./lookups";
export * as policy from "./policy";
