import type { CronAst } from './ast.js';

export function describeCron(ast: CronAst): string {
  return ast.fields.map((field) => field.text).join(' ');
}
