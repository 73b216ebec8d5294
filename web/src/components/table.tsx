import type { ComponentChildren } from 'preact';

/** A table with one header row of column names; its children are the body's rows. */
export function Table(props: { label: string; columns: string[]; children: ComponentChildren }) {
  return (
    <table aria-label={props.label}>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th scope="col" key={column}>
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}
