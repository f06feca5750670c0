import Foundation
import Testing
import TestSupport
@testable import ACPI

/// iasl (acpica-tools) as the external judge: every table is written as `<SIG>.dat` (acpidump -b style)
/// and disassembled one file at a time with `iasl -p <out> -d <SIG>.dat`. No `-e` companions are needed:
/// the FADT decodes alone, and the DSDT references nothing outside itself.
@Suite(.enabled(if: IASL.path != nil, "iasl (acpica-tools) is not installed: apt-get install acpica-tools"))
struct IASLJudgeTests {
    @Test(arguments: [1, 2, 8])
    func everyTableDisassemblesWithoutComplaint(cpus: Int) throws {
        let directory = try IASL.write(try Fixture.tables(cpus: cpus))
        defer { try? FileManager.default.removeItem(at: directory) }
        for signature in ["XSDT", "FACP", "APIC", "DSDT"] {
            let run = try IASL.run(["-p", "\(signature)-out", "-d", "\(signature).dat"], in: directory)
            #expect(run.status == 0, "\(signature): iasl exit \(run.status)\n\(run.output)")
            #expect(IASL.complaints(run.output).isEmpty, "\(signature): \(IASL.complaints(run.output))")
            let dsl = try String(contentsOf: directory.appendingPathComponent("\(signature)-out.dsl"), encoding: .utf8)
            #expect(!dsl.localizedCaseInsensitiveContains("incorrect checksum"), "\(signature)")
        }
        let dsdt = try String(contentsOf: directory.appendingPathComponent("DSDT-out.dsl"), encoding: .utf8)
        for id in ["PNP0A03", "PNP0501", "PNP0B00", "PNP0303", "ACPI0007"] {
            #expect(dsdt.contains(id), "DSDT disassembly mentions \(id)")
        }
        let madt = try String(contentsOf: directory.appendingPathComponent("APIC-out.dsl"), encoding: .utf8)
        #expect(madt.components(separatedBy: "[Processor Local APIC]").count - 1 == cpus)
    }

    /// The AML says exactly what its disassembly says: recompiling the .dsl without optimizations gives
    /// the same bytes after the header, with no errors, warnings or remarks.
    @Test func dsdtRecompilesByteIdenticalAndClean() throws {
        let tables = try Fixture.tables()
        let directory = try IASL.write(tables)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try IASL.run(["-p", "DSDT-out", "-d", "DSDT.dat"], in: directory)
        let compile = try IASL.run(["-oa", "-p", "DSDT-again", "DSDT-out.dsl"], in: directory)
        #expect(compile.status == 0, "\(compile.output)")
        #expect(compile.output.contains("Compilation successful. 0 Errors, 0 Warnings, 0 Remarks"), "\(compile.output)")
        let again = try [UInt8](Data(contentsOf: directory.appendingPathComponent("DSDT-again.aml")))
        let original = try #require(tables.table("DSDT")).bytes
        #expect(Array(again.dropFirst(SDTHeader.size)) == Array(original.dropFirst(SDTHeader.size)))
    }

    @Test func checkScriptPassesOurTablesAndCatchesACorruptedOne() throws {
        let directory = try IASL.write(try Fixture.tables())
        defer { try? FileManager.default.removeItem(at: directory) }
        let clean = try IASL.runScript(directory)
        #expect(clean.status == 0, "\(clean.output)")
        #expect(clean.output.contains("check-acpi: 5 tables OK"), "\(clean.output)")

        let madt = directory.appendingPathComponent("APIC.dat")
        var bytes = try [UInt8](Data(contentsOf: madt))
        bytes[40] ^= 0x02  // flip a flag bit without fixing the checksum
        try Data(bytes).write(to: madt)
        let corrupted = try IASL.runScript(directory)
        #expect(corrupted.status == 1)
        #expect(corrupted.output.contains("FAIL APIC.dat"), "\(corrupted.output)")
        #expect(corrupted.output.contains("Incorrect checksum"), "\(corrupted.output)")
    }

    /// A dump that lost tables, or holds a cut RSDP, fails: the script judges what the machine declares,
    /// not only what happens to be in the directory, and a failing tool is never a checksum of 0.
    @Test func checkScriptFailsOnMissingTablesAndOnATruncatedRSDP() throws {
        let directory = try IASL.write(try Fixture.tables())
        defer { try? FileManager.default.removeItem(at: directory) }
        for signature in ["XSDT", "FACP", "APIC", "DSDT"] {
            try FileManager.default.removeItem(at: directory.appendingPathComponent("\(signature).dat"))
        }
        let onlyRSDP = try IASL.runScript(directory)
        #expect(onlyRSDP.status == 1, "\(onlyRSDP.output)")
        for signature in ["XSDT", "FACP", "APIC", "DSDT"] {
            #expect(onlyRSDP.output.contains("FAIL \(signature): missing"), "\(onlyRSDP.output)")
        }
        let rsdp = directory.appendingPathComponent("RSDP.dat")
        try Data(try [UInt8](Data(contentsOf: rsdp)).prefix(18)).write(to: rsdp)
        let cut = try IASL.runScript(directory, required: ["RSDP"])
        #expect(cut.status == 1 && cut.output.contains("FAIL RSDP.dat: RSDP: cannot read 20 bytes"), "\(cut.output)")
    }
}

enum IASL {
    static let path = TestProcess.which("iasl")

    static let checkScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/check-acpi.sh")

    /// Lines in which iasl complains about a table (checksum, length, parse problems).
    static func complaints(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { line in
            ["Error", "Warning", "Incorrect", "Invalid", "too long", "does not contain a valid"].contains { line.contains($0) }
        }
    }

    /// Writes every table as `<SIG>.dat` and the RSDP as `RSDP.dat` into a new temporary directory.
    static func write(_ set: ACPITableSet) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("acpi-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for table in set.tables {
            try Data(table.bytes).write(to: directory.appendingPathComponent("\(table.signature).dat"))
        }
        try Data(set.rsdp.bytes).write(to: directory.appendingPathComponent("RSDP.dat"))
        return directory
    }

    static func run(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        try launch(URL(fileURLWithPath: path!), arguments, in: directory)
    }

    static func runScript(_ directory: URL, required: [String] = []) throws -> (status: Int32, output: String) {
        try launch(URL(fileURLWithPath: "/bin/bash"), [checkScript.path, directory.path] + required, in: directory)
    }

    private static func launch(_ executable: URL, _ arguments: [String], in directory: URL) throws
        -> (status: Int32, output: String)
    {
        let result = try TestProcess.run(executable.path, arguments, in: directory.path, mergingStderr: true)
        return (result.status, result.stdout)
    }
}
