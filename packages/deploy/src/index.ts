export {
  BACKEND_RENAMES,
  ENGINE_INPUT_RENAMES,
  FRONTEND_RENAMES,
  INVALIDATE_RENAMES,
  MIGRATE_RENAMES,
  readOptions,
  readThrough,
  type MigrateWhen,
  type WholeDeployOptions,
} from './inputs.js';
export {
  PARTS,
  partLabel,
  productionState,
  realEngines,
  runWholeDeploy,
  type Engines,
  type Part,
  type PartReport,
  type PartStatus,
  type WholeDeployDeps,
  type WholeDeployResult,
} from './orchestrate.js';
export { wholeDeploySummary } from './summary.js';
