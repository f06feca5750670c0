import ABI
import ArgumentParser
import Foundation
import Reports
import TCK

extension ABICommand {
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain the difference between two fingerprints (releases, machine types or drivers).",
            discussion: """
                Exit status: 0 identical ABI (or, with --waivers, every difference waived), 1 different, 2 bad input.
                Waivers apply when their machine matches the newer fingerprint's machine type.
                """)

        @Argument(help: ArgumentHelp("The older (or reference) fingerprint.", valueName: "old.json"))
        var old: String

        @Argument(help: ArgumentHelp("The newer fingerprint.", valueName: "new.json"))
        var new: String

        @Option(help: ArgumentHelp("Also write the diff as JSON.", valueName: "path"))
        var json: String?

        @Option(help: ArgumentHelp("Also write the diff as a self-contained HTML page.", valueName: "path"))
        var html: String?

        @Option(help: ArgumentHelp("Also write JUnit XML: one testcase per ABI area, failing on unwaived breaking changes.", valueName: "path"))
        var junit: String?

        @Option(help: ArgumentHelp("Mark the differences this waiver file accepts (docs/abi-fingerprint.md#waivers).", valueName: "file"))
        var waivers: String?

        func run() throws {
            var result: ABIDiffResult
            let newer: Fingerprint
            do {
                newer = try FingerprintFile.read(new)
                result = ABIDiff.compare(try FingerprintFile.read(old), newer, oldName: old, newName: new,
                                         disassembler: IASLDisassembler.find())
                if let waivers { ABIWaivers.apply(try ABIWaivers.load(path: waivers), to: &result, machine: newer.machine) }
            } catch {
                exitForEnvironment("\(error)")
            }
            print(result.text)
            var files: [(data: Data, path: String)] = []
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                files.append((try encoder.encode(result), json))
            }
            if let html { files.append((Data(ABIDiffHTML.render(result).utf8), html)) }
            if let junit { files.append((Data(ABIDiffJUnit.render(result, gate: .breaking).utf8), junit)) }
            if !files.isEmpty { try AtomicFile.write(files) }
            let accepted = waivers == nil ? result.isIdentical : result.unwaived.isEmpty
            throw ExitCode(accepted ? 0 : 1)
        }
    }
}
