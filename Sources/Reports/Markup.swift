import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Builds XML and XHTML trees through FoundationXML (libxml2), which escapes every text node and
/// attribute value; every string also goes through `ReportText.clean` first, so the tree never holds a
/// character XML 1.0 forbids. Nothing is ever assembled by string concatenation of untrusted text.
///
/// XHTML output is polyglot (parses both as XML and as HTML5): non-void elements always get a (possibly
/// empty) text child, so they serialize as `<td></td>`, never `<td/>`, which HTML would read as an open
/// tag; void elements (`meta`, `br`, …) stay childless and serialize as `<meta/>`.
enum Markup {
    private static let voidElements: Set<String> = ["meta", "br", "hr", "img", "link", "col", "wbr", "input"]

    /// An element with attributes in the given order (nil values are left out) and children.
    static func element(_ name: String, _ attributes: KeyValuePairs<String, String?> = [:],
                        text: String? = nil, _ children: [XMLNode] = []) -> XMLElement {
        let element = XMLElement(name: name)
        for (key, value) in attributes {
            guard let value else { continue }
            element.addAttribute(XMLNode.attribute(withName: key, stringValue: ReportText.clean(value)) as! XMLNode)
        }
        if let text { element.addChild(Markup.text(text)) }
        for child in children { element.addChild(child) }
        if element.childCount == 0 && !voidElements.contains(name) { element.addChild(Markup.text("")) }
        return element
    }

    static func text(_ string: String) -> XMLNode {
        XMLNode.text(withStringValue: ReportText.clean(string)) as! XMLNode
    }

    /// An XML document with declaration, pretty-printed (JUnit).
    static func xmlDocument(_ root: XMLElement) -> String {
        let document = XMLDocument(rootElement: root)
        document.characterEncoding = "UTF-8"
        document.isStandalone = true
        return document.xmlString(options: [.nodePrettyPrint]) + "\n"
    }

    /// An HTML5 document in XHTML (polyglot) syntax. Not indented: on a long run, indentation alone was a
    /// quarter of the page's bytes.
    static func htmlDocument(_ root: XMLElement) -> String {
        "<!DOCTYPE html>\n" + root.xmlString(options: [.nodeCompactEmptyElement]) + "\n"
    }
}
