/**
 * Statements the engine sends many times a second (the claim's, the completion's, the look for
 * unowned attempts) carry a name. PostgreSQL parses and plans an unnamed statement every time
 * it arrives; a named one is parsed once per connection and, once the server finds its generic
 * plan no dearer than the plans it made for the values of the first five runs, planned once
 * as well. At 1,000 firings a second, planning alone took PostgreSQL about 5 ms a second, and
 * the claim of unowned attempts is planned for every partition it could write.
 *
 * Only statements whose text is fixed are named, never text built per call: each name stands
 * for one text for the life of the process, which `named` checks as the statements are defined.
 * Statements whose plan depends on their values (the API's filtered lists) stay unnamed, so
 * PostgreSQL plans them for the values they bring.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** What a store function sends: plain text, or a named statement (see above). */
export type Statement = string | NamedStatement;

const textsByName = new Map<string, string>();

export function named(name: string, text: string): NamedStatement {
  const existing = textsByName.get(name);
  if (existing !== undefined && existing !== text) throw new Error(`the statement name "${name}" already stands for another text`);
  textsByName.set(name, text);
  return Object.freeze({ name, text });
}

export function statementText(statement: Statement): string {
  return typeof statement === 'string' ? statement : statement.text;
}
