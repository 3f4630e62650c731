/** A colour as a swatch and its hex value. */
export function ColourValue({ hex }: { hex: string }) {
  return (
    <span className="colour-value">
      <span className="colour-dot" style={{ background: hex }} aria-hidden="true" />
      <code>{hex}</code>
    </span>
  );
}
