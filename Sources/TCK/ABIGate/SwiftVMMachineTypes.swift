/// swiftvm's machine types, as `swiftvm machines` lists them (one per line, the name first).
public enum SwiftVMMachineTypes {
    public static func list(swiftvm: String) -> [String] {
        let result = ChildProcess(executable: swiftvm, arguments: ["machines"], timeoutSeconds: 10).run()
        guard case .exited(0) = result.ending else { return [] }
        return names(machinesOutput: String(decoding: result.stdout, as: UTF8.self))
    }

    static func names(machinesOutput: String) -> [String] {
        machinesOutput.split(separator: "\n").filter { !$0.hasPrefix(" ") }.compactMap { $0.split(separator: " ").first.map(String.init) }
    }
}
