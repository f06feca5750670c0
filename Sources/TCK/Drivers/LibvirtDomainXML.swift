import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The domain XML the libvirt driver defines for one test: a transient KVM (or TCG) domain that boots a
/// test kernel directly, as the qemu driver's `-M pc` line does, built as an XML tree (never by pasting
/// strings, so a command line or path with `<`, `&` or quotes stays what it is).
///
/// What it pins, and why (docs/driver-differences.md compares the guest's view with bare QEMU's):
/// - `<os>`: the machine type, direct kernel boot (`<kernel>`, `<cmdline>`), qboot as `<loader
///   type='rom'>` when installed (SeaBIOS costs seconds here, as for the qemu driver);
/// - `<cpu><topology>`: one socket of N cores, as bare QEMU's `-smp N` (libvirt's default is N sockets);
/// - `<features><acpi/><apic/>`: without `<acpi/>` libvirt adds `-no-acpi`, bare QEMU has ACPI;
/// - lifecycle: every poweroff, reboot and crash destroys the domain (QEMU's `-no-reboot`);
/// - devices: the 16550 serial into a file, no USB controller and no balloon (libvirt adds both by
///   default; bare QEMU with `-nodefaults` has neither), the test disk when there is one, and the
///   debug-exit port, which libvirt does not model, through the QEMU namespace's `<qemu:commandline>`.
public struct LibvirtDomainXML: Equatable, Sendable {
    public static let qemuNamespace = "http://libvirt.org/schemas/domain/qemu/1.0"

    public var name: String
    /// `kvm` or `qemu` (TCG).
    public var virtType: String
    public var machine: String
    public var memoryBytes: UInt64
    public var cpus: Int
    /// Absolute path of the kernel image.
    public var kernel: String
    public var commandLine: String
    /// A firmware ROM (qboot) for `<loader type='rom'>`; nil: libvirt's default (SeaBIOS).
    public var firmware: String?
    /// Absolute path of the file the serial port writes.
    public var consolePath: String
    /// Also give the serial port an input: a unix socket QEMU listens on (`<serial type='unix'>`, bind
    /// mode), the output still logged to `consolePath` (appended to, so a restored domain adds to it).
    /// For migrate tests, whose guest waits for a byte on its UART after asking to be saved.
    public var serialSocket: String?
    public var disk: AttachedDisk?
    /// The serial number the disk answers GET_ID with (the qemu driver's, so the kernels see the same).
    public var diskSerial = QEMUDriver.diskSerial

    public init(name: String, virtType: String, machine: String, memoryBytes: UInt64, cpus: Int, kernel: String,
                commandLine: String, firmware: String?, consolePath: String, disk: AttachedDisk? = nil) {
        self.name = name
        self.virtType = virtType
        self.machine = machine
        self.memoryBytes = memoryBytes
        self.cpus = cpus
        self.kernel = kernel
        self.commandLine = commandLine
        self.firmware = firmware
        self.consolePath = consolePath
        self.disk = disk
    }

    /// The document, indented, with its XML declaration left out (virsh does not need one).
    public var text: String {
        document.xmlString(options: [.nodePrettyPrint, .nodeCompactEmptyElement]) + "\n"
    }

    public var document: XMLDocument {
        let domain = element("domain", ["type": virtType])
        domain.addNamespace(XMLNode.namespace(withName: "qemu", stringValue: Self.qemuNamespace) as! XMLNode)
        domain.addChild(element("name", text: name))
        // KiB: the catalog's sizes are whole multiples of 4 KiB.
        domain.addChild(element("memory", ["unit": "KiB"], text: "\(memoryBytes >> 10)"))
        domain.addChild(element("vcpu", text: "\(cpus)"))
        // One socket of `cpus` cores, as bare QEMU 7.2's `-smp N` (it prefers cores); libvirt's default
        // for <vcpu>N</vcpu> is N sockets of one core (docs/driver-differences.md).
        let cpu = element("cpu")
        cpu.addChild(element("topology", ["sockets": "1", "dies": "1", "cores": "\(cpus)", "threads": "1"]))
        domain.addChild(cpu)

        let os = element("os")
        os.addChild(element("type", ["arch": "x86_64", "machine": machine], text: "hvm"))
        if let firmware { os.addChild(element("loader", ["type": "rom"], text: firmware)) }
        os.addChild(element("kernel", text: kernel))
        if !commandLine.isEmpty { os.addChild(element("cmdline", text: commandLine)) }
        domain.addChild(os)

        let features = element("features")
        features.addChild(element("acpi"))
        features.addChild(element("apic"))
        domain.addChild(features)
        for event in ["on_poweroff", "on_reboot", "on_crash"] { domain.addChild(element(event, text: "destroy")) }

        let devices = element("devices")
        let serial: XMLElement
        if let serialSocket {
            serial = element("serial", ["type": "unix"])
            serial.addChild(element("source", ["mode": "bind", "path": serialSocket]))
            serial.addChild(element("log", ["file": consolePath, "append": "on"]))
        } else {
            serial = element("serial", ["type": "file"])
            serial.addChild(element("source", ["path": consolePath]))
        }
        serial.addChild(element("target", ["port": "0"]))
        devices.addChild(serial)
        devices.addChild(element("controller", ["type": "usb", "model": "none"]))
        if let disk { devices.addChild(diskElement(disk)) }
        devices.addChild(element("memballoon", ["model": "none"]))
        domain.addChild(devices)

        // The debug-exit port (0xF4, 4 bytes wide, QEMU exits with (value << 1) | 1), as the qemu driver adds it.
        // Prefixed names resolve through the root's xmlns:qemu (XMLElement(name:uri:) would repeat it as a default namespace).
        let passthrough = XMLElement(name: "qemu:commandline")
        for value in ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"] {
            let argument = XMLElement(name: "qemu:arg")
            argument.addAttribute(XMLNode.attribute(withName: "value", stringValue: value) as! XMLNode)
            passthrough.addChild(argument)
        }
        domain.addChild(passthrough)

        let document = XMLDocument(rootElement: domain)
        document.documentContentKind = .xml
        return document
    }

    /// A modern-only virtio-blk-pci (`virtio-non-transitional`, QEMU's `disable-legacy=on`) at 00:02.0
    /// over the image (raw or qcow2; a qcow2 backing file is named by the image itself), as the qemu
    /// driver and swiftvm-1.2 have it.
    private func diskElement(_ disk: AttachedDisk) -> XMLElement {
        let node = element("disk", ["type": "file", "device": "disk", "model": "virtio-non-transitional"])
        node.addChild(element("driver", ["name": "qemu", "type": disk.format.rawValue]))
        node.addChild(element("source", ["file": disk.path]))
        node.addChild(element("target", ["dev": "vda", "bus": "virtio"]))
        node.addChild(element("serial", text: diskSerial))
        if disk.readOnly { node.addChild(element("readonly")) }
        node.addChild(element("address", ["type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x02", "function": "0x0"]))
        return node
    }

    /// An element with attributes in the given order and optional text.
    private func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String? = nil) -> XMLElement {
        let node = XMLElement(name: name)
        for (key, value) in attributes {
            node.addAttribute(XMLNode.attribute(withName: key, stringValue: value) as! XMLNode)
        }
        if let text { node.stringValue = text }
        return node
    }
}
