/** A list of values shown as code (IP addresses, origins). */
export function ListOf({ items }: { items: string[] }) {
  return (
    <ul className="plain-list">
      {items.map((i) => (
        <li key={i}>
          <code>{i}</code>
        </li>
      ))}
    </ul>
  );
}
