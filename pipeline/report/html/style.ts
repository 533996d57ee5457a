/** The page's stylesheet: system fonts, light, readable when printed; no external resource. */
export const PAGE_CSS = `
:root{--fg:#1b1f24;--muted:#667085;--line:#e4e7ec;--bg:#fff;--panel:#f7f8fa;--accent:#1f6feb;--good:#137333;--bad:#b42318;--warn:#b54708}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 64px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:14px;margin:18px 0 6px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--panel);padding:1px 4px;border-radius:3px}
.meta,.muted,.explain,.note{color:var(--muted)}.explain{max-width:980px;margin:4px 0 10px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px;margin-top:18px}
.card{border:1px solid var(--line);border-radius:8px;padding:14px 16px;background:var(--bg)}
.card h2{margin:0 0 6px;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.big{font-size:34px;font-weight:650;letter-spacing:-.01em}.sub{margin-top:4px}
.up{color:var(--bad)}.down{color:var(--good)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 14px;margin:0}dt{color:var(--muted)}dd{margin:0;font-weight:600}
.spark{height:64px;margin-top:8px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;white-space:nowrap;background:var(--panel)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.saving{font-weight:650;color:var(--good)}td.note{font-size:12px;max-width:360px}
.money{color:var(--muted);white-space:nowrap}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.tabs{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
.tabs button{border:1px solid var(--line);background:var(--panel);border-radius:14px;padding:3px 12px;cursor:pointer;font:inherit}
.tabs button[aria-pressed=true]{background:var(--accent);color:#fff;border-color:var(--accent)}
.explorer-grid{display:grid;grid-template-columns:minmax(0,6fr) minmax(0,6fr);gap:16px;align-items:start}
@media (max-width:1100px){.explorer-grid{grid-template-columns:1fr}}
.vt{border:1px solid var(--line);border-radius:6px;overflow:hidden}
.vt-head,.vt-row{display:grid;align-items:center;min-width:0}
.vt-head{background:var(--panel);font-size:12px;font-weight:600;color:var(--muted);border-bottom:1px solid var(--line)}
.vt-head div{padding:6px 8px;cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;user-select:none}
.vt-body{overflow-y:auto;position:relative}
.vt-row{position:absolute;left:0;right:0;border-bottom:1px solid var(--line);cursor:pointer}
.vt-row:hover{background:#f2f6fd}.vt-row[aria-selected=true]{background:#e5efff}
.vt-row div{padding:0 8px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.vt-row .num,.vt-head .num{text-align:right;font-variant-numeric:tabular-nums}
.search{width:100%;padding:6px 10px;border:1px solid var(--line);border-radius:6px;font:inherit;margin:6px 0}
.panel{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:var(--bg)}
.panel h3{margin-top:0}.chart{height:320px}
.pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;background:var(--panel);border:1px solid var(--line)}
.pill.core{background:#fff4e5;border-color:#fedf89}
ul.notes li{color:var(--warn)}
@media print{.vt-body{max-height:none!important}#explore{display:none}}
`;
