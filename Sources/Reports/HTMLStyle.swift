#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif
import TCK

/// How the HTML report shows a result. What matters first is whether the catalog expected it, so the
/// tone follows that, not the outcome: a result as expected is calm (a pass green, a skip grey, an
/// expected xfail, crash, timeout or error a quiet grey-blue), one not as expected is loud (solid red).
/// Colour is never the only signal: every badge carries an icon (✓ as expected, ✗ unexpected, – skip)
/// and the outcome as text, and an unexpected one says "unexpected".
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

    enum Tone: String {
        /// Passed, as expected.
        case ok
        /// Skipped, as expected.
        case skip
        /// An expected xfail, crash, timeout or error: known and declared in the catalog.
        case calm
        /// Not what the catalog expects: a regression or a stale expectation.
        case loud

        var cssClass: String { "tone-\(rawValue)" }

        var icon: String {
            switch self {
            case .ok, .calm: "✓"
            case .skip: "–"
            case .loud: "✗"
            }
        }
    }

    static func tone(outcome: Outcome, expected: Bool) -> Tone {
        guard expected else { return .loud }
        switch outcome {
        case .pass: return .ok
        case .skip: return .skip
        default: return .calm
        }
    }

    static func tone(_ result: TestResult) -> Tone { tone(outcome: result.outcome, expected: result.expected) }

    /// `<span class="badge tone-…">✗ fail</span>`: icon and outcome.
    static func badge(_ outcome: Outcome, tone: Tone) -> XMLElement {
        Markup.element("span", ["class": "badge \(tone.cssClass)", "data-outcome": outcome.rawValue], [
            Markup.element("span", ["class": "icon", "aria-hidden": "true"], text: tone.icon),
            Markup.text(" " + label(outcome)),
        ])
    }

    static func badge(_ result: TestResult) -> XMLElement { badge(result.outcome, tone: tone(result)) }

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
    .figure.bad { border-color: #82071e; background: #cf222e; color: #ffffff; }
    .figure a { color: inherit; }
    .figure.good { border-color: #1a7f37; background: #dafbe1; color: #116329; }
    .legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 0 0 10px; padding: 0; list-style: none; font-size: 12.5px; color: var(--muted); }
    .badge { display: inline-block; min-width: 62px; text-align: center; border-radius: 4px; padding: 1px 7px; font-weight: 600; font-size: 12px; border: 1px solid transparent; white-space: nowrap; }
    .tone-ok { background: #dafbe1; color: #116329; border-color: #aceebb; }
    .tone-skip { background: #f6f8fa; color: #59636e; border-color: #d1d9e0; }
    .tone-calm { background: #eef2f7; color: #424a53; border-color: #d0d7de; }
    .tone-loud { background: #cf222e; color: #ffffff; border-color: #82071e; font-weight: 700; }
    .badge.tone-loud { text-transform: uppercase; letter-spacing: .02em; }
    .tone-none { background: #ffffff; color: #8c959f; }
    table.matrix { table-layout: fixed; }
    table.matrix th.test { width: 30%; }
    table.matrix td.cell { text-align: center; vertical-align: middle; font-weight: 600; padding: 5px 4px; overflow-wrap: anywhere; }
    table.matrix td.cell a { color: inherit; display: block; }
    table.matrix td.tone-loud { box-shadow: inset 0 0 0 2px #82071e; }
    table.matrix td.tone-calm .outcome, table.matrix td.tone-skip .outcome { font-weight: 500; }
    table.matrix thead th { position: sticky; top: 0; z-index: 1; text-align: center; overflow-wrap: anywhere; }
    table.matrix thead th.test { text-align: left; }
    .flag { display: block; font-size: 11px; font-weight: 800; text-transform: uppercase; letter-spacing: .04em; }
    .note { display: block; font-size: 11px; font-weight: 400; opacity: .85; }
    .time { display: block; font-size: 11px; font-weight: 400; font-variant-numeric: tabular-nums; opacity: .85; }
    .groups { color: var(--muted); font-size: 12px; }
    table.matrix th .groups { display: block; font-weight: 400; }
    table.matrix tbody th { vertical-align: middle; font-weight: 600; }
    .result { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 0 0 14px; }
    .result.unexpected { border: 2px solid #cf222e; border-left-width: 8px; }
    .result summary.more { color: var(--muted); }
    .verdict { border-radius: 6px; padding: 10px 14px; margin: 0 0 16px; font-size: 16px; font-weight: 700; }
    .verdict.bad { background: #cf222e; color: #ffffff; }
    .verdict.good { background: #dafbe1; color: #116329; border: 1px solid #aceebb; }
    .verdict a { color: inherit; text-decoration: underline; }
    ol.unexpected { margin: 0; padding: 0; list-style: none; }
    ol.unexpected li { border: 2px solid #cf222e; border-left-width: 8px; border-radius: 6px; padding: 8px 12px; margin: 0 0 8px; background: #fff5f5; }
    ol.unexpected .what { font-weight: 700; font-size: 15px; }
    ol.unexpected .why { display: block; margin-top: 3px; }
    ol.unexpected .meta { display: block; color: var(--muted); font-size: 12.5px; }
    .calm-line { color: #116329; margin: 0; }
    table.slowest td.num { width: 90px; }
    table.slowest td.rank { width: 36px; color: var(--muted); text-align: right; }
    .log-note { margin: 4px 0; font-size: 12.5px; color: var(--muted); }
    .identity pre.cmd { margin: 2px 0; }
    .result .reason { margin: 0 0 8px; }
    .result .facts { font-size: 13px; margin-bottom: 10px; }
    .result table { margin: 6px 0 10px; font-size: 13px; }
    .result .on { color: var(--muted); font-weight: 400; }
    .result .back { margin-left: auto; font-size: 12px; font-weight: 400; }
    table.cases th:first-child { width: 84px; }
    table.cases td.status { font-weight: 600; font-size: 12px; white-space: nowrap; }
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
