import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import TCK

/// The domain XML the libvirt driver defines, read back as XML (and, where libvirt-clients is
/// installed, judged by libvirt's own schema through virt-xml-validate).
@Suite struct LibvirtDomainXMLTests {
    static let hostile = "a<b & c=\"d\" 'e' ]]> f"

    static func domain(disk: AttachedDisk? = nil, cpus: Int = 2) -> LibvirtDomainXML {
        LibvirtDomainXML(name: "tck-42-7-conf-x", virtType: "kvm", machine: "pc-i440fx-7.2", memoryBytes: 128 << 20,
                         cpus: cpus, kernel: "/k/conf_x.elf", commandLine: hostile, firmware: "/usr/share/qemu/qboot.rom",
                         consolePath: "/tmp/s p/console.log", disk: disk)
    }

    static func parse(_ text: String) throws -> XMLElement {
        try #require(try XMLDocument(xmlString: text, options: []).rootElement())
    }

    static func value(_ root: XMLElement, _ path: String) -> String? {
        (try? root.nodes(forXPath: path))?.first?.stringValue
    }

    static func count(_ root: XMLElement, _ path: String) -> Int {
        (try? root.nodes(forXPath: path))?.count ?? -1
    }

    @Test func bootsTheKernelDirectlyOnTheMachineType() throws {
        let root = try Self.parse(Self.domain().text)
        #expect(root.name == "domain" && root.attribute(forName: "type")?.stringValue == "kvm")
        #expect(Self.value(root, "name") == "tck-42-7-conf-x")
        #expect(Self.value(root, "memory") == "131072" && Self.value(root, "memory/@unit") == "KiB")
        #expect(Self.value(root, "vcpu") == "2")
        #expect(Self.value(root, "cpu/topology/@sockets") == "1" && Self.value(root, "cpu/topology/@cores") == "2")
        #expect(Self.value(root, "os/type/@machine") == "pc-i440fx-7.2" && Self.value(root, "os/type") == "hvm")
        #expect(Self.value(root, "os/loader/@type") == "rom" && Self.value(root, "os/loader") == "/usr/share/qemu/qboot.rom")
        #expect(Self.value(root, "os/kernel") == "/k/conf_x.elf")
        // The command line comes back byte for byte: escaped by the XML library, not pasted.
        #expect(Self.value(root, "os/cmdline") == Self.hostile)
        #expect(Self.count(root, "features/acpi") == 1 && Self.count(root, "features/apic") == 1)
        for event in ["on_poweroff", "on_reboot", "on_crash"] { #expect(Self.value(root, event) == "destroy") }
    }

    @Test func devicesAreTheQEMUDriversOnes() throws {
        let root = try Self.parse(Self.domain().text)
        #expect(Self.value(root, "devices/serial[@type='file']/source/@path") == "/tmp/s p/console.log")
        #expect(Self.value(root, "devices/controller[@type='usb']/@model") == "none")
        #expect(Self.value(root, "devices/memballoon/@model") == "none")
        #expect(Self.count(root, "devices/disk") == 0)
        // The debug-exit port through the QEMU namespace, declared once on the root.
        let text = Self.domain().text
        #expect(text.contains("xmlns:qemu=\"\(LibvirtDomainXML.qemuNamespace)\""))
        #expect(text.components(separatedBy: "xmlns").count == 2, "\(text)")
        #expect(text.contains("<qemu:arg value=\"-device\"/>") && text.contains("<qemu:arg value=\"isa-debug-exit,iobase=0xf4,iosize=4\"/>"))
    }

    /// A migrate test's serial port: a socket libvirt listens on (the guest's input), its output logged to the
    /// console file, appended to by every restored domain.
    @Test func aSerialSocketKeepsTheConsoleFileAsItsLog() throws {
        var domain = Self.domain()
        domain.serialSocket = "/tmp/s p/serial.sock"
        let root = try Self.parse(domain.text)
        #expect(Self.count(root, "devices/serial") == 1)
        #expect(Self.value(root, "devices/serial[@type='unix']/source/@mode") == "bind")
        #expect(Self.value(root, "devices/serial[@type='unix']/source/@path") == "/tmp/s p/serial.sock")
        #expect(Self.value(root, "devices/serial[@type='unix']/log/@file") == "/tmp/s p/console.log")
        #expect(Self.value(root, "devices/serial[@type='unix']/log/@append") == "on")
        #expect(Self.value(root, "devices/serial/target/@port") == "0")
    }

    @Test func aDiskIsAModernVirtioBlkAt00_02_0() throws {
        let root = try Self.parse(Self.domain(disk: AttachedDisk(path: "/r/disks/libvirt/blk.img", readOnly: true)).text)
        #expect(Self.value(root, "devices/disk/@model") == "virtio-non-transitional")
        #expect(Self.value(root, "devices/disk/driver/@type") == "raw")
        #expect(Self.value(root, "devices/disk/source/@file") == "/r/disks/libvirt/blk.img")
        #expect(Self.value(root, "devices/disk/target/@bus") == "virtio")
        #expect(Self.value(root, "devices/disk/serial") == QEMUDriver.diskSerial)
        #expect(Self.count(root, "devices/disk/readonly") == 1)
        #expect(Self.value(root, "devices/disk/address/@slot") == "0x02" && Self.value(root, "devices/disk/address/@bus") == "0x00")
        let writable = try Self.parse(Self.domain(disk: AttachedDisk(path: "/r/blk.img")).text)
        #expect(Self.count(writable, "devices/disk/readonly") == 0)
        // A qcow2 disk says so; its backing file is named by the image (with its format).
        let qcow2 = try Self.parse(Self.domain(disk: AttachedDisk(path: "/r/blk.qcow2", format: .qcow2)).text)
        #expect(Self.value(qcow2, "devices/disk/driver/@type") == "qcow2")
    }

    @Test func noCommandLineNoCmdlineElementAndSeaBIOSWithoutQboot() throws {
        var domain = Self.domain()
        domain.commandLine = ""
        domain.firmware = nil
        let root = try Self.parse(domain.text)
        #expect(Self.count(root, "os/cmdline") == 0 && Self.count(root, "os/loader") == 0)
    }

    /// libvirt's RelaxNG schema, when virt-xml-validate is installed (libvirt-clients).
    @Test(.enabled(if: QEMUDriver.resolve("virt-xml-validate") != nil, "virt-xml-validate not installed (libvirt-clients)"))
    func libvirtsSchemaAcceptsIt() throws {
        let directory = NSTemporaryDirectory() + "tck-domain-xml-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (index, domain) in [Self.domain(), Self.domain(disk: AttachedDisk(path: "/r/blk.img", readOnly: true), cpus: 1)].enumerated() {
            let path = "\(directory)/\(index).xml"
            try domain.text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = ChildProcess(executable: QEMUDriver.resolve("virt-xml-validate")!, arguments: [path, "domain"],
                                      timeoutSeconds: 30).run()
            #expect(result.ending == .exited(0), "\(String(decoding: result.stdout, as: UTF8.self))\(result.stderrText)")
        }
    }
}
