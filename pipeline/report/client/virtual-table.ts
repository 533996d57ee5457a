/**
 * A table that renders only the rows in view: a spacer as tall as every row, and the visible ones
 * (plus a few) placed on it, redrawn on scroll. Thousands of workloads stay as light as a screenful.
 * Columns sort on a click; a row's click selects it.
 */
export interface Column<T> {
  label: string;
  /** CSS grid track, e.g. "2fr" or "90px". */
  width: string;
  text: (row: T) => string;
  /** Sort key (default: the text). */
  sort?: (row: T) => number | string;
  num?: boolean;
  title?: (row: T) => string;
}

const OVERSCAN = 8;

export class VirtualTable<T> {
  private rows: T[] = [];
  private sortBy = -1;
  private desc = true;
  private selected: T | undefined;
  private readonly head: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private frame = 0;

  constructor(
    host: HTMLElement,
    private readonly columns: Column<T>[],
    private readonly opts: {
      id: string;
      rowHeight?: number;
      height: number;
      key: (row: T) => string;
      onSelect?: (row: T) => void;
      sortBy?: number;
    },
  ) {
    const root = document.createElement('div');
    root.className = 'vt';
    root.id = opts.id;
    const template = columns.map((c) => c.width).join(' ');
    this.head = document.createElement('div');
    this.head.className = 'vt-head';
    this.head.style.gridTemplateColumns = template;
    columns.forEach((c, i) => {
      const h = document.createElement('div');
      h.textContent = c.label;
      if (c.num) h.className = 'num';
      h.addEventListener('click', () => this.sort(i));
      this.head.appendChild(h);
    });
    this.body = document.createElement('div');
    this.body.className = 'vt-body';
    this.body.style.height = `${opts.height}px`;
    this.spacer = document.createElement('div');
    this.body.appendChild(this.spacer);
    this.body.addEventListener('scroll', () => this.schedule());
    root.append(this.head, this.body);
    host.appendChild(root);
    if (opts.sortBy !== undefined) this.sortBy = opts.sortBy;
  }

  private get rh(): number {
    return this.opts.rowHeight ?? 28;
  }

  setRows(rows: T[]): void {
    this.rows = rows.slice();
    this.applySort();
    this.body.scrollTop = 0;
    this.render();
  }

  get length(): number {
    return this.rows.length;
  }

  sort(column: number): void {
    this.desc = this.sortBy === column ? !this.desc : Boolean(this.columns[column]!.num);
    this.sortBy = column;
    this.applySort();
    this.render();
  }

  private applySort(): void {
    const c = this.columns[this.sortBy];
    if (!c) return;
    const key = c.sort ?? c.text;
    const dir = this.desc ? -1 : 1;
    this.rows.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
  }

  select(row: T | undefined, scroll = true): void {
    this.selected = row;
    if (row && scroll) {
      const i = this.rows.indexOf(row);
      if (i >= 0) {
        const top = i * this.rh;
        if (top < this.body.scrollTop || top > this.body.scrollTop + this.opts.height - this.rh)
          this.body.scrollTop = Math.max(0, top - this.opts.height / 2);
      }
    }
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const rh = this.rh;
    this.spacer.style.height = `${this.rows.length * rh}px`;
    const first = Math.max(0, Math.floor(this.body.scrollTop / rh) - OVERSCAN);
    const last = Math.min(
      this.rows.length,
      Math.ceil((this.body.scrollTop + this.opts.height) / rh) + OVERSCAN,
    );
    const template = this.columns.map((c) => c.width).join(' ');
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const row = this.rows[i]!;
      const el = document.createElement('div');
      el.className = 'vt-row';
      el.style.top = `${i * rh}px`;
      el.style.height = `${rh}px`;
      el.style.gridTemplateColumns = template;
      el.dataset.key = this.opts.key(row);
      el.setAttribute('role', 'row');
      el.setAttribute('aria-selected', String(row === this.selected));
      for (const c of this.columns) {
        const cell = document.createElement('div');
        cell.textContent = c.text(row);
        cell.style.lineHeight = `${rh}px`;
        if (c.num) cell.className = 'num';
        const title = c.title?.(row);
        if (title) cell.title = title;
        el.appendChild(cell);
      }
      el.addEventListener('click', () => {
        this.select(row, false);
        this.opts.onSelect?.(row);
      });
      fragment.appendChild(el);
    }
    this.spacer.replaceChildren(fragment);
  }
}
