import Boot
import Foundation
import Testing
@testable import Machine

/// Real kernels on real KVM: each test boots one TestGuests kernel and checks how the run ended and
/// what the guest said.
@Suite(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
struct BootEndToEndTests {
    @Test(arguments: [BootProtocol.pvh, .multiboot])
    func helloBootsByEitherProtocol(protocolUsed: BootProtocol) throws {
        let result = try TestKernels.boot("hello") {
            $0.bootProtocol = protocolUsed
            $0.commandLine = "foo=bar answer=42"
        }
        #expect(result.status == .guestExit(code: 0))
        let name = protocolUsed == .pvh ? "PVH" : "Multiboot"
        #expect(result.text.contains("Hello from \(name) guest"))
        #expect(result.lines.contains("TCK:1 CASE PASS boot.protocol :: \(name)"))
        #expect(result.lines.contains("TCK:1 DATA boot.cmdline foo=bar answer=42"))
        #expect(result.lines.contains { $0.hasPrefix("TCK:1 END pass=") && $0.hasSuffix("fail=0 skip=0") })
    }

    @Test func testdevAndSerialCarryTheSameConsoleWithFarFewerExits() throws {
        let viaTestdev = try TestKernels.boot("hello") { $0.testdev = true }
        let viaSerial = try TestKernels.boot("hello") { $0.testdev = false }
        #expect(viaTestdev.status == .guestExit(code: 0) && viaSerial.status == .guestExit(code: 0))
        #expect(viaTestdev.console == viaSerial.console)
        #expect(viaTestdev.exitCount < 50)
        #expect(viaSerial.exitCount > UInt64(viaSerial.console.count))   // one exit per byte, plus polling
    }

    @Test(arguments: [BootProtocol.pvh, .multiboot])
    func theInitrdIsHandedOverAsTheFirstModule(protocolUsed: BootProtocol) throws {
        let initrd = try TestKernels.temporaryFile(Array("swiftvm initrd payload\n".utf8) + [0, 1, 2, 255])
        defer { try? FileManager.default.removeItem(atPath: initrd) }
        let result = try TestKernels.boot("hello") {
            $0.bootProtocol = protocolUsed
            $0.initrdPath = initrd
        }
        #expect(result.status == .guestExit(code: 0))
        #expect(result.lines.contains("TCK:1 DATA modules.count 1"))
        #expect(result.lines.contains("TCK:1 DATA module.0.size 27"))
        #expect(result.lines.contains("TCK:1 DATA module.0.head 7377696674766d20696e697472642070"))
    }

    @Test func theMemoryMapFollowsTheConfiguredSize() throws {
        let result = try TestKernels.boot("hello") { $0.memorySize = 256 << 20 }
        #expect(result.lines.contains("TCK:1 DATA memmap.0 addr=0x0 size=0x9fc00 type=1"))
        #expect(result.lines.contains("TCK:1 DATA memmap.1 addr=0x9fc00 size=0x60400 type=2"))
        #expect(result.lines.contains("TCK:1 DATA memmap.2 addr=0x100000 size=0xff00000 type=1"))
    }

    @Test func aFailingCaseExitsWithStatusOne() throws {
        let result = try TestKernels.boot("fail")
        #expect(result.status == .guestExit(code: 1))
        #expect(result.lines.contains { $0.hasPrefix("TCK:1 CASE FAIL fail.expected_fail") })
    }

    @Test func aTripleFaultIsReportedWithRegisters() throws {
        let result = try TestKernels.boot("triplefault")
        #expect(result.status == .shutdown(cpu: 0))
        #expect(result.text.contains("loading a zero-limit IDT"))
        let snapshot = try #require(result.snapshot)
        #expect(snapshot.specialRegisters.idt.limit == 0)
        #expect(snapshot.specialRegisters.efer & 0x400 != 0)    // it died in long mode
        #expect(snapshot.dump.contains("rip="))
    }

    @Test func anInstructionKVMCannotRunEndsTheRunClearly() throws {
        let result = try TestKernels.boot("emulfail")
        switch result.status {
        case let .internalError(cpu, error):
            // Emulating hosts (kvm_pvm): int3 is not emulated.
            #expect(cpu == 0)
            #expect(error.isEmulationFailure)
            #expect(error.instructionBytes?.first == 0xCC)
            #expect(result.snapshot != nil)
        case .shutdown:
            break   // hardware KVM delivers #BP, which cannot be delivered either: triple fault
        default:
            Issue.record("unexpected status \(result.status.summary)")
        }
        #expect(result.text.contains("executing int3"))
    }

    /// A spinning guest (cli; hlt is a deadlock, found before the watchdog: DeadlockTests).
    @Test func theWatchdogStopsAHungGuest() throws {
        let result = try TestKernels.boot("hang", timeout: 0.5) { $0.commandLine = "spin" }
        #expect(result.status == .timeout(seconds: 0.5))
        #expect(result.runSeconds >= 0.5 && result.runSeconds < 5)
        #expect(result.text.contains("hanging"))
    }

    @Test(arguments: [1, 2, 4])
    func everyCPUStartsAndReportsAUniqueAPICID(cpus: Int) throws {
        let result = try TestKernels.boot("smp") { $0.cpus = cpus }
        #expect(result.status == .guestExit(code: 0))
        #expect(result.lines.contains("TCK:1 DATA cpus.started \(cpus)"))
        let ids = result.lines.filter { $0.hasPrefix("TCK:1 DATA cpu.") && $0.contains("apic_id=") }
            .compactMap { $0.split(separator: "=").last.map(String.init) }
        #expect(Set(ids) == Set((0..<cpus).map(String.init)))
    }

    @Test func strayAccessesReadAllOnesAndAreCounted() throws {
        let result = try TestKernels.boot("strayio")
        #expect(result.status == .guestExit(code: 0))
        #expect(result.unassignedAccesses == 3)   // COM2 read, port 0x80 write, MMIO read in the PCI hole
    }

    @Test func strictIOStopsAtTheFirstStrayAccess() throws {
        let result = try TestKernels.boot("strayio") { $0.strictIO = true }
        #expect(result.status == .unassignedAccess(cpu: 0, UnassignedAccess(space: .port, address: 0x2F8, size: 1, isWrite: false)))
        #expect(result.snapshot?.registers.rdx == 0x2F8)
    }

    @Test func theTestdevProbeIsNotAStrayAccess() throws {
        let result = try TestKernels.boot("hello") {
            $0.testdev = false
            $0.strictIO = true
        }
        #expect(result.status == .guestExit(code: 0))
        #expect(result.unassignedAccesses == 0)
    }

    @Test func machineTypesDifferInsideTheGuestExactlyAsDocumented() throws {
        func cpuidRecords(_ type: MachineType) throws -> [Substring] {
            let result = try TestKernels.boot("cpuid") { $0.machineType = type }
            #expect(result.status == .guestExit(code: 0))
            return result.lines.filter { $0.hasPrefix("TCK:1 DATA cpuid.") }
        }
        let old = try cpuidRecords(MachineTypes.v1_0), new = try cpuidRecords(MachineTypes.v1_1)
        #expect(old.contains("TCK:1 DATA cpuid.vendor AuthenticAMD"))
        #expect(old.contains("TCK:1 DATA cpuid.80000000.0 80000008 68747541 444d4163 69746e65"))
        #expect(zip(old, new).filter { $0 != $1 }.map { String($0.1) }
                == ["TCK:1 DATA cpuid.80000007.0 00000000 00000000 00000000 00000100"])
    }

    @Test func consoleCaptureIsBoundedAndSaysWhatItDropped() throws {
        let result = try TestKernels.boot("cpuid") { $0.consoleCaptureLimit = 100 }
        #expect(result.status == .guestExit(code: 0))
        #expect(result.console.count == 100)
        #expect(result.consoleBytesDropped > 1000)
    }
}

/// Bad input is refused with a sentence before a vCPU runs.
@Suite struct BadInputTests {
    func build(_ configure: (inout MachineConfiguration) -> Void) -> MachineError? {
        var configuration = MachineConfiguration(kernelPath: "/nonexistent")
        configure(&configuration)
        do { _ = try Machine(configuration); return nil } catch { return error }
    }

    @Test func aMissingKernelIsNamed() {
        let error = build { $0.kernelPath = "/nonexistent/kernel.elf" }
        #expect(error?.description == "cannot read kernel /nonexistent/kernel.elf: No such file or directory (errno 2)")
        #expect(error?.isBadInput == true)
    }

    @Test func aFileThatIsNotELFIsRefused() throws {
        let path = try TestKernels.temporaryFile(Array("#!/bin/sh\necho not a kernel\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard case .elf = build({ $0.kernelPath = path }) else { Issue.record("expected an ELF error"); return }
    }

    @Test func aKernelLargerThanRAMIsRefusedBeforeReading() throws {
        let path = try TestKernels.temporaryFile([UInt8](repeating: 0, count: 5 << 20))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = build {
            $0.kernelPath = path
            $0.memorySize = 4 << 20
        }
        #expect(error?.description.hasSuffix("is 5 MiB, larger than 4 MiB of guest RAM; raise --memory") == true)
    }

    @Test func forcingAProtocolTheImageLacksIsRefused() throws {
        let path = try TestKernels.path("hello", pvhOnly: true)
        let error = build {
            $0.kernelPath = path
            $0.bootProtocol = .multiboot
        }
        #expect(error?.description == "\(path): --boot multiboot requested, but the image offers pvh")
    }

    @Test func aMissingInitrdIsNamed() throws {
        let kernel = try TestKernels.path("hello")
        let error = build {
            $0.kernelPath = kernel
            $0.initrdPath = "/nonexistent/initrd"
        }
        #expect(error?.description == "cannot read initrd /nonexistent/initrd: No such file or directory (errno 2)")
    }
}
