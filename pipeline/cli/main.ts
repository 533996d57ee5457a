#!/usr/bin/env node
/**
 * tidemark: parse arguments, build the context, run one command, map errors to exit codes.
 * No logic lives here.
 */
import { Command } from 'commander';
import { createLogger, type LogLevel } from '../core/logger.js';
import { reportError, EXIT } from './exit.js';
import type { CliContext } from './context.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerApplyCommand } from './commands/apply.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerRunCommand } from './commands/run.js';
import { registerSnapshotCommand } from './commands/snapshot.js';
import { registerGuardianCommand } from './commands/guardian.js';
import { registerReportCommand } from './commands/report.js';
import { registerClustersCommand } from './commands/clusters.js';
import { registerSummarizeCommand } from './commands/summarize.js';
import { tidemarkVersion } from '../plan/outputs.js';
import { tuneHeapGrowth } from './heap.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tidemark')
    .description('GitOps policy pipeline for Kubernetes cost and stability')
    .version(tidemarkVersion())
    .option('--log-level <level>', 'debug | info | warn | error')
    .option('--log-format <format>', 'json | human (default: human on a terminal, json otherwise)')
    .showHelpAfterError()
    .exitOverride();
  // With JSON logs, a usage error is reported as one JSON line (cli/exit.ts) instead of
  // commander's text and the help. Set before the commands are added: they inherit it.
  if (ctx.logger.format === 'json')
    program.showHelpAfterError(false).configureOutput({ outputError: () => {} });
  registerPlanCommand(program, ctx);
  registerApplyCommand(program, ctx);
  registerValidateCommand(program, ctx);
  registerDemoCommand(program, ctx);
  registerRunCommand(program, ctx);
  registerSnapshotCommand(program, ctx);
  registerGuardianCommand(program, ctx);
  registerReportCommand(program, ctx);
  registerClustersCommand(program, ctx);
  registerSummarizeCommand(program, ctx);
  return program;
}

export async function main(argv: string[], base: Partial<CliContext> = {}): Promise<number> {
  const level = flagValue(argv, '--log-level') as LogLevel | undefined;
  const format = flagValue(argv, '--log-format') as 'json' | 'human' | undefined;
  const logger = base.logger ?? createLogger({ level, format });
  const ctx: CliContext = {
    logger,
    stdout: base.stdout ?? ((t) => process.stdout.write(t)),
    deps: base.deps,
  };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    return reportError(err, logger);
  }
}

function flagValue(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(flag + '='));
  return eq?.slice(flag.length + 1);
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/tidemark')) {
  // Only the process entry: tests call main() in a shared process.
  tuneHeapGrowth();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
