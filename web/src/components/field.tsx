import type { ComponentChildren, JSX } from 'preact';

/** A labelled form control with its error (or, without one, its hint) underneath. */
export function Field(props: { label: string; error?: string; hint?: string; children: ComponentChildren; wide?: boolean }): JSX.Element {
  return (
    <label class={`field${props.wide ? ' wide' : ''}${props.error ? ' invalid' : ''}`}>
      <span>{props.label}</span>
      {props.children}
      {props.error ? <small class="field-error">{props.error}</small> : props.hint ? <small class="muted">{props.hint}</small> : null}
    </label>
  );
}
