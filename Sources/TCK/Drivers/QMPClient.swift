import Foundation

/// A small client of QEMU's machine protocol (QMP) on a unix socket: what the qemu driver needs to save and
/// restore a running guest (`stop`, `cont`, `migrate`, `query-status`, `query-migrate`).
///
/// One command at a time: `execute` sends it and returns the next reply that is not an asynchronous event
/// (events such as STOP or MIGRATION are skipped). Every wait is bounded; every failure is a `QMPError`
/// that names the command.
public struct QMPClient: ~Copyable {
    private var socket: QMPSocket
    /// How long one command may take to answer (QEMU answers at once; `migrate` returns before it completes).
    public var replyTimeoutSeconds = QMPClient.defaultReplyTimeoutSeconds
    public static let defaultReplyTimeoutSeconds = 5.0

    /// Connects to QEMU's `-qmp unix:PATH,server=on,wait=off` socket (waiting up to `timeoutSeconds` for it
    /// to appear), reads the greeting and leaves capabilities negotiation (`qmp_capabilities`).
    public init(path: String, timeoutSeconds: Double) throws(QMPError) {
        var connection = try QMPSocket(path: path, timeoutSeconds: timeoutSeconds)
        let deadline = ChildProcess.now() + timeoutSeconds
        let greeting = try connection.line(until: deadline, during: "the QMP greeting")
        guard let object = try? JSONSerialization.jsonObject(with: Data(greeting)) as? [String: Any], object["QMP"] != nil else {
            throw .malformed("the greeting is not QMP's: \(String(decoding: greeting.prefix(200), as: UTF8.self))")
        }
        _ = try Self.exchange(on: &connection, "qmp_capabilities", arguments: QMPNoArguments(), returning: QMPEmpty.self,
                              timeoutSeconds: Self.defaultReplyTimeoutSeconds)
        socket = connection
    }

    /// Runs `command` without arguments, ignoring what it returns.
    public mutating func execute(_ command: String) throws(QMPError) {
        _ = try execute(command, arguments: QMPNoArguments(), returning: QMPEmpty.self)
    }

    /// Runs `command` with `arguments` (encoded as its `arguments` object) and decodes its `return` value.
    public mutating func execute<Arguments: Encodable, Reply: Decodable>(_ command: String, arguments: Arguments,
                                                                          returning: Reply.Type) throws(QMPError) -> Reply {
        try Self.exchange(on: &socket, command, arguments: arguments, returning: returning, timeoutSeconds: replyTimeoutSeconds)
    }

    private static func exchange<Arguments: Encodable, Reply: Decodable>(
        on socket: inout QMPSocket, _ command: String, arguments: Arguments, returning: Reply.Type,
        timeoutSeconds: Double) throws(QMPError) -> Reply {
        let request: Data
        do {
            request = try JSONEncoder().encode(QMPRequest(execute: command, arguments: arguments is QMPNoArguments ? nil : arguments))
        } catch {
            throw .malformed("the arguments of '\(command)' cannot be encoded: \(error)")
        }
        try socket.send(Array(request) + Array("\r\n".utf8), during: "'\(command)'")
        let deadline = ChildProcess.now() + timeoutSeconds
        while true {
            let line = try socket.line(until: deadline, during: "the reply to '\(command)'")
            let reply: QMPReply<Reply>
            do { reply = try JSONDecoder().decode(QMPReply<Reply>.self, from: Data(line)) } catch {
                throw .malformed("the reply to '\(command)' is not understood (\(error)): \(String(decoding: line.prefix(300), as: UTF8.self))")
            }
            if reply.event != nil { continue }
            if let failure = reply.error {
                throw .commandFailed(command: command, errorClass: failure.errorClass, description: failure.desc)
            }
            guard let value = reply.return else {
                throw .malformed("the reply to '\(command)' has neither return nor error: \(String(decoding: line.prefix(300), as: UTF8.self))")
            }
            return value
        }
    }
}

/// Typed wrappers for the commands the qemu driver uses.
extension QMPClient {
    /// `query-status`: the run state ("running", "paused", "inmigrate", "postmigrate", …).
    public mutating func queryStatus() throws(QMPError) -> QMPStatus {
        try execute("query-status", arguments: QMPNoArguments(), returning: QMPStatus.self)
    }

    public mutating func stop() throws(QMPError) { try execute("stop") }
    public mutating func cont() throws(QMPError) { try execute("cont") }

    /// `migrate` to `uri` (e.g. `exec:cat > FILE`); returns at once, the migration goes on in QEMU.
    public mutating func migrate(uri: String) throws(QMPError) {
        _ = try execute("migrate", arguments: ["uri": uri], returning: QMPEmpty.self)
    }

    public mutating func queryMigrate() throws(QMPError) -> QMPMigrationInfo {
        try execute("query-migrate", arguments: QMPNoArguments(), returning: QMPMigrationInfo.self)
    }
}

public struct QMPStatus: Decodable, Equatable, Sendable {
    public var status: String
    public var running: Bool
}

/// `query-migrate`'s answer: empty before any migration; `status` "setup", "active", "completed",
/// "failed", "cancelled"; `error-desc` says why it failed.
public struct QMPMigrationInfo: Decodable, Equatable, Sendable {
    public struct RAM: Decodable, Equatable, Sendable {
        public var transferred: UInt64?
        public var total: UInt64?
    }

    public var status: String?
    public var totalTime: UInt64?
    public var errorDescription: String?
    public var ram: RAM?

    private enum CodingKeys: String, CodingKey {
        case status, ram
        case totalTime = "total-time"
        case errorDescription = "error-desc"
    }
}

public enum QMPError: Error, Equatable, Sendable, CustomStringConvertible {
    case connect(path: String, reason: String)
    case timeout(waitingFor: String)
    /// The run was cancelled (Ctrl-C) while tck waited on QEMU.
    case cancelled(waitingFor: String)
    case closed(during: String)
    case malformed(String)
    /// QEMU answered the command with an error object.
    case commandFailed(command: String, errorClass: String, description: String)

    public var description: String {
        switch self {
        case let .connect(path, reason): "QMP: cannot connect to \(path): \(reason)"
        case let .timeout(what): "QMP: no answer in time while waiting for \(what)"
        case let .cancelled(what): "QMP: cancelled while waiting for \(what)"
        case let .closed(what): "QMP: QEMU closed the connection during \(what)"
        case let .malformed(what): "QMP: \(what)"
        case let .commandFailed(command, errorClass, description): "QMP: '\(command)' failed: \(description) (\(errorClass))"
        }
    }
}

/// `{}`: the `return` of commands that return nothing, and the absence of arguments.
struct QMPEmpty: Codable {}
struct QMPNoArguments: Encodable {}

private struct QMPRequest<Arguments: Encodable>: Encodable {
    var execute: String
    var arguments: Arguments?
}

/// Any line QEMU sends after the greeting: a reply (`return` or `error`) or an event.
private struct QMPReply<Value: Decodable>: Decodable {
    struct Failure: Decodable {
        var errorClass: String
        var desc: String
        enum CodingKeys: String, CodingKey {
            case errorClass = "class"
            case desc
        }
    }

    var event: String?
    var `return`: Value?
    var error: Failure?
}
