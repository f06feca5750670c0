typealias ConsoleBytes = ArraySlice<UInt8>

private let space = UInt8(ascii: " ")
private let tag = Array("TCK:".utf8)

/// The state machine behind `ResultProtocol.parse`: BEGIN → CASE/DATA… → END, one line at a time.
struct ResultLineParser {
    enum Phase { case beforeBegin, running, ended }

    var result = ParsedConsole()
    var phase = Phase.beforeBegin
    var suppressedErrors = 0
    var lastLine = 0
    var caseOverflowReported = false
    var dataOverflowReported = false

    mutating func error(_ line: Int, _ problem: String) {
        guard result.errors.count < ResultProtocol.maximumErrors else {
            suppressedErrors += 1
            return
        }
        result.errors.append("line \(line): \(problem)")
    }

    mutating func consume(_ line: ConsoleLines.Line) {
        lastLine = line.number
        let n = line.number
        let bytes = line.bytes
        guard bytes.starts(with: tag) else {
            if !bytes.isEmpty { result.freeTextLines += 1 }
            if line.wasCut {
                error(n, "the line is \(line.fullLength) bytes long, over the \(ResultProtocol.maximumLineBytes)-byte limit; it was cut")
            }
            if contains(bytes, tag) {
                error(n, "'TCK:' in the middle of the line is not read as protocol (output interleaved from another CPU?)")
            }
            return
        }
        if line.wasCut {
            error(n, "protocol line is \(line.fullLength) bytes long, over the \(ResultProtocol.maximumLineBytes)-byte limit; it is ignored")
            return
        }
        if !line.terminated {
            error(n, "the output ends inside this protocol line (no newline after it); it is ignored as possibly truncated")
            return
        }
        if bytes.contains(0) { error(n, "protocol line contains a NUL byte") }
        if String(validating: bytes, as: UTF8.self) == nil {
            error(n, "protocol line is not valid UTF-8; bad bytes were replaced by U+FFFD")
        }
        protocolLine(n, bytes.dropFirst(tag.count))
    }

    mutating func protocolLine(_ n: Int, _ afterTag: ConsoleBytes) {
        let (versionText, rest) = splitAtSpace(afterTag)
        guard versionText.elementsEqual("\(ResultProtocol.version)".utf8) else {
            error(n, "unsupported protocol version 'TCK:\(quoted(versionText))'; this tck reads version \(ResultProtocol.version)")
            return
        }
        guard let rest, !rest.isEmpty else {
            error(n, "protocol line has no verb (expected BEGIN, CASE, DATA or END)")
            return
        }
        let (verb, arguments) = splitAtSpace(rest)
        switch String(decoding: verb, as: UTF8.self) {
        case "BEGIN": begin(n, arguments)
        case "CASE": testCase(n, arguments)
        case "DATA": data(n, arguments)
        case "END": end(n, arguments)
        default: error(n, "unknown verb '\(quoted(verb))' (expected BEGIN, CASE, DATA or END)")
        }
    }

    mutating func begin(_ n: Int, _ arguments: ConsoleBytes?) {
        guard let name = arguments, ResultProtocol.isValidName(name) else {
            error(n, "malformed BEGIN: expected 'TCK:1 BEGIN <kernel-name>' with a name of [A-Za-z0-9_.:/-]")
            return
        }
        guard phase == .beforeBegin else {
            error(n, "second BEGIN ('\(quoted(name))'); ignored")
            return
        }
        result.kernel = String(decoding: name, as: UTF8.self)
        phase = .running
    }

    mutating func testCase(_ n: Int, _ arguments: ConsoleBytes?) {
        let (statusText, afterStatus) = splitAtSpace(arguments ?? [])
        let status: CaseResult.Status
        switch String(decoding: statusText, as: UTF8.self) {
        case "PASS": status = .pass
        case "FAIL": status = .fail
        case "SKIP": status = .skip
        default:
            error(n, "malformed CASE: status '\(quoted(statusText))' is not PASS, FAIL or SKIP")
            return
        }
        let (name, afterName) = splitAtSpace(afterStatus ?? [])
        guard ResultProtocol.isValidName(name) else {
            error(n, "malformed CASE: case name '\(quoted(name))' is not of [A-Za-z0-9_.:/-]+")
            return
        }
        var message: String?
        if let afterName {
            guard afterName.starts(with: "::".utf8), afterName.count == 2 || afterName[afterName.startIndex + 2] == space
            else {
                error(n, "malformed CASE: expected ' :: <message>' after case name '\(quoted(name))'")
                return
            }
            let text = String(decoding: afterName.dropFirst(3), as: UTF8.self)
            message = text.isEmpty ? nil : text
        }
        guard inReport(n, "CASE") else { return }
        let caseName = String(decoding: name, as: UTF8.self)
        switch status {
        case .pass: result.reported.pass += 1
        case .fail: result.reported.fail += 1
        case .skip: result.reported.skip += 1
        }
        result.lastCaseName = caseName
        if result.cases.count < ResultProtocol.maximumCases {
            result.cases.append(CaseResult(name: caseName, status: status, message: message))
        } else if !caseOverflowReported {
            caseOverflowReported = true
            error(n, "more than \(ResultProtocol.maximumCases) cases; later cases are counted but not recorded")
        }
    }

    mutating func data(_ n: Int, _ arguments: ConsoleBytes?) {
        let (key, value) = splitAtSpace(arguments ?? [])
        guard ResultProtocol.isValidName(key) else {
            error(n, "malformed DATA: key '\(quoted(key))' is not of [A-Za-z0-9_.:/-]+")
            return
        }
        guard inReport(n, "DATA") else { return }
        guard result.data.count < ResultProtocol.maximumDataRecords else {
            if !dataOverflowReported {
                dataOverflowReported = true
                error(n, "more than \(ResultProtocol.maximumDataRecords) data records; later records are dropped")
            }
            return
        }
        result.data.append(DataRecord(key: String(decoding: key, as: UTF8.self),
                                      value: String(decoding: value ?? [], as: UTF8.self)))
    }

    mutating func end(_ n: Int, _ arguments: ConsoleBytes?) {
        guard let counts = parseCounts(arguments ?? []) else {
            error(n, "malformed END: expected 'TCK:1 END pass=<n> fail=<n> skip=<n>'")
            return
        }
        switch phase {
        case .beforeBegin:
            error(n, "END before BEGIN; ignored")
        case .ended:
            error(n, "second END; ignored")
        case .running:
            phase = .ended
            result.summary = counts
            if counts != result.reported {
                error(n, "END says \(counts) but the kernel reported \(result.reported) in CASE lines")
            }
        }
    }

    /// CASE and DATA count only between BEGIN and END.
    mutating func inReport(_ n: Int, _ verb: String) -> Bool {
        switch phase {
        case .running: return true
        case .beforeBegin: error(n, "\(verb) before BEGIN; ignored")
        case .ended: error(n, "\(verb) after END; ignored")
        }
        return false
    }

    mutating func finish() -> ParsedConsole {
        result.lineCount = lastLine
        switch phase {
        case .beforeBegin:
            result.errors.append(lastLine == 0 ? "no BEGIN line: the console is empty"
                                               : "no BEGIN line: none of the \(lastLine) console lines is 'TCK:1 BEGIN <kernel>'")
        case .running:
            let after = result.lastCaseName.map { "after case '\($0)'" } ?? "before reporting any case"
            result.errors.append("no END line: the kernel stopped reporting \(after) (output ends at line \(lastLine))")
        case .ended:
            break
        }
        if suppressedErrors > 0 {
            result.errors.append("\(suppressedErrors) more protocol problems are not listed")
        }
        return result
    }
}

/// Splits at the first space: (head, rest after the space), rest nil when there is no space.
private func splitAtSpace(_ bytes: ConsoleBytes) -> (ConsoleBytes, ConsoleBytes?) {
    guard let index = bytes.firstIndex(of: space) else { return (bytes, nil) }
    return (bytes[bytes.startIndex..<index], bytes[(index + 1)...])
}

/// "pass=<n> fail=<n> skip=<n>", decimal digits only.
private func parseCounts(_ bytes: ConsoleBytes) -> ParsedConsole.Counts? {
    let fields = bytes.split(separator: space, omittingEmptySubsequences: false)
    guard fields.count == 3 else { return nil }
    var values: [Int] = []
    for (field, label) in zip(fields, ["pass=", "fail=", "skip="]) {
        guard field.starts(with: label.utf8) else { return nil }
        let digits = field.dropFirst(label.utf8.count)
        guard !digits.isEmpty, digits.count <= 18,
              digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
        values.append(value)
    }
    return ParsedConsole.Counts(pass: values[0], fail: values[1], skip: values[2])
}

private func contains(_ bytes: ConsoleBytes, _ needle: [UInt8]) -> Bool {
    guard bytes.count >= needle.count else { return false }
    var index = bytes.startIndex
    while let found = bytes[index...].firstIndex(of: needle[0]) {
        if bytes[found...].starts(with: needle) { return true }
        index = found + 1
    }
    return false
}

/// A token for an error message: at most 40 bytes, invalid UTF-8 replaced.
private func quoted(_ bytes: ConsoleBytes) -> String {
    let text = String(decoding: bytes.prefix(40), as: UTF8.self)
    return bytes.count > 40 ? text + "…" : text
}
