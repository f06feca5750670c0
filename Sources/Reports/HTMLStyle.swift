import TCK

/// How the HTML report shows each outcome: a text label (colour is never the only signal), a one-line
/// meaning for the legend, and the CSS class that colours it.
enum OutcomeStyle {
    static func label(_ outcome: Outcome) -> String { outcome.rawValue }

    static func meaning(_ outcome: Outcome) -> String {
        switch outcome {
        case .pass: "every reported case passed"
        case .fail: "a case failed, or the kernel exited non-zero"
        case .skip: "not applicable on this driver"
        case .xfail: "failed, as the catalog expects (known issue)"
        case .xpass: "passed although expected to fail: stale xfail"
        case .timeout: "did not finish before its timeout"
        case .crash: "guest died: triple fault, internal error, reset"
        case .error: "harness could not judge: protocol or infrastructure"
        }
    }

    static func cssClass(_ outcome: Outcome) -> String { "o-\(outcome.rawValue)" }

    /// Outcomes in legend and summary order: good to bad.
    static let order: [Outcome] = [.pass, .skip, .xfail, .xpass, .fail, .timeout, .crash, .error]
}

/// The page's only stylesheet, inlined. It must not contain `<`, `&` or `>`: the XML serializer escapes
/// those, and HTML does not unescape inside `<style>` (a test enforces this).
enum HTMLStyle {
    static let css = """
    :root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --panel: #f6f8fa; --accent: #0969da; }
    * { box-sizing: border-box; }
    body { margin: 0; color: var(--fg); background: var(--bg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
    main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
    h1 { font-size: 22px; margin: 0 0 4px; }
    h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
    h3 { font-size: 15px; margin: 0 0 6px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    a { color: var(--accent); text-decoration: none; }
    a:hover { text-decoration: underline; }
    code, pre, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
    .subtitle { color: var(--muted); margin: 0 0 16px; }
    .banner { border: 1px solid #d4a72c; background: #fff8c5; color: #4d2d00; padding: 10px 14px; border-radius: 6px; margin: 0 0 16px; font-weight: 600; }
    .facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; overflow-wrap: anywhere; }
    .panels { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
    .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
    .panel h2 { margin-top: 0; font-size: 14px; border: 0; padding: 0; }
    table { border-collapse: collapse; width: 100%; }
    th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
    thead th { background: var(--panel); font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.zero { color: #b0b8c1; }
    .chip { display: inline-block; background: #eef1f4; border-radius: 10px; padding: 0 7px; margin: 1px 3px 1px 0; font-size: 12px; }
    .headline { display: flex; gap: 16px; margin: 0 0 12px; flex-wrap: wrap; }
    .figure { border: 1px solid var(--line); border-radius: 6px; padding: 8px 16px; min-width: 150px; }
    .figure b { display: block; font-size: 26px; line-height: 1.2; }
    .figure.bad { border-color: #cf222e; background: #ffebe9; color: #82071e; }
    .figure.good { border-color: #1a7f37; background: #dafbe1; color: #116329; }
    .legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 0 0 10px; padding: 0; list-style: none; font-size: 12.5px; color: var(--muted); }
    .badge { display: inline-block; min-width: 58px; text-align: center; border-radius: 4px; padding: 1px 7px; font-weight: 600; font-size: 12px; border: 1px solid transparent; }
    .o-pass { background: #dafbe1; color: #116329; border-color: #aceebb; }
    .o-fail { background: #ffebe9; color: #a40e26; border-color: #ffcecb; }
    .o-skip { background: #eef1f4; color: #59636e; border-color: #d1d9e0; }
    .o-xfail { background: #fff8c5; color: #7d4e00; border-color: #f0dc8c; }
    .o-xpass { background: #fbefff; color: #6e40c9; border-color: #e6ccff; }
    .o-timeout { background: #fff1e5; color: #9a3c00; border-color: #ffd8b5; }
    .o-crash { background: #ffd8d3; color: #6e011a; border-color: #ff8182; }
    .o-error { background: #ffeff7; color: #99286e; border-color: #ffc9e6; }
    .o-none { background: #ffffff; color: #b0b8c1; }
    table.matrix th.test { width: 34%; }
    table.matrix td.cell { text-align: center; vertical-align: middle; font-weight: 600; padding: 6px 4px; }
    .mark-unexpected { color: #a40e26; }
    table.matrix td.cell a { color: inherit; display: block; }
    table.matrix td.unexpected, .mark-unexpected { outline: 3px solid #cf222e; outline-offset: -3px; }
    table.matrix thead th { position: sticky; top: 0; z-index: 1; text-align: center; }
    table.matrix thead th.test { text-align: left; }
    .flag { display: block; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .03em; }
    .note { display: block; font-size: 11px; font-weight: 400; opacity: .8; }
    .groups { color: var(--muted); font-size: 12px; }
    table.matrix th .groups { display: block; font-weight: 400; }
    table.matrix tbody th { vertical-align: middle; font-weight: 600; }
    .result { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 0 0 14px; }
    .result.unexpected { border-left: 5px solid #cf222e; }
    .result .reason { margin: 0 0 8px; }
    .result .facts { font-size: 13px; margin-bottom: 10px; }
    .result table { margin: 6px 0 10px; font-size: 13px; }
    .result .on { color: var(--muted); font-weight: 400; }
    .result .back { margin-left: auto; font-size: 12px; font-weight: 400; }
    table.cases th:first-child { width: 84px; }
    table.cases td:nth-child(2) { width: 40%; }
    details { margin: 6px 0; }
    summary { cursor: pointer; color: var(--accent); }
    pre { background: #0d1117; color: #e6edf3; padding: 10px 12px; border-radius: 6px; overflow: auto; max-height: 420px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
    pre.cmd { background: var(--panel); color: var(--fg); border: 1px solid var(--line); max-height: none; }
    ul.problems { margin: 4px 0 10px; color: #a40e26; }
    footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
    @media (max-width: 800px) { .panels { grid-template-columns: 1fr; } }
    """
}
