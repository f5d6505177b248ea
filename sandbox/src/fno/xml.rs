//! A small XML element tree read with quick-xml's streaming reader, and a
//! string writer that escapes every value. Requests are small, so a tree is
//! simpler than event handling per operation. Document type declarations are
//! refused, so no entity can ever be expanded.

use std::borrow::Cow;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// The XML Schema instance namespace (`xsi:nil`).
const XSI_NS: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// One element: local name, namespace, text (leaf elements) and children.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Element {
    /// Local name, without prefix.
    pub name: String,
    /// Namespace URI, empty when unqualified.
    pub ns: String,
    /// Concatenated text content.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML.
    #[error("{0}")]
    Syntax(String),
    /// A DOCTYPE was present; entity declarations are never processed.
    #[error("document type declarations are not allowed in SOAP messages")]
    Doctype,
    /// No root element.
    #[error("premature end of file")]
    Empty,
}

impl Element {
    /// Returns the first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Returns every child named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// Follows a path of child names.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter()
            .try_fold(self, |element, name| element.child(name))
    }

    /// Returns the text of child `name` when present (possibly empty).
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|child| child.text.as_str())
    }

    /// Returns the text of child `name` when present and not blank.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.text_of(name).filter(|text| !text.trim().is_empty())
    }

    /// Returns the text at `path` when present and not blank.
    pub fn value_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path)
            .map(|element| element.text.as_str())
            .filter(|text| !text.trim().is_empty())
    }

    /// Reads child `name` as an xsd:boolean (`true`/`false`/`1`/`0`).
    pub fn bool_of(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(parse_bool)
    }
}

/// Parses an xsd:boolean.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Parses a document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_reader(bytes);
    let mut stack: Vec<Element> = Vec::new();
    let mut skipped_depth = 0usize;
    loop {
        let (namespace, event) = reader
            .read_resolved_event()
            .map_err(|error| XmlError::Syntax(error.to_string()))?;
        match event {
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Start(_) if skipped_depth > 0 => skipped_depth += 1,
            Event::Empty(_) if skipped_depth > 0 => {}
            Event::Start(start) => {
                let element = new_element(&namespace, &start)?;
                if is_nil(&reader, &start) {
                    skipped_depth = 1;
                } else {
                    stack.push(element);
                }
            }
            Event::Empty(start) => {
                let element = new_element(&namespace, &start)?;
                if !is_nil(&reader, &start) {
                    if let Some(root) = attach(&mut stack, element) {
                        return finish(&mut reader, root);
                    }
                }
            }
            Event::End(_) if skipped_depth > 0 => skipped_depth -= 1,
            Event::End(_) => {
                let element = stack.pop().ok_or(XmlError::Empty)?;
                if let Some(root) = attach(&mut stack, element) {
                    return finish(&mut reader, root);
                }
            }
            Event::Text(text) => {
                let unescaped = text
                    .unescape()
                    .map_err(|error| XmlError::Syntax(error.to_string()))?;
                push_text(&mut stack, &unescaped);
            }
            Event::CData(data) => {
                let raw = data.into_inner();
                push_text(&mut stack, &String::from_utf8_lossy(&raw));
            }
            Event::Eof => return Err(XmlError::Empty),
            _ => {}
        }
    }
}

fn new_element(
    namespace: &ResolveResult,
    start: &quick_xml::events::BytesStart,
) -> Result<Element, XmlError> {
    let name = std::str::from_utf8(start.local_name().as_ref())
        .map_err(|error| XmlError::Syntax(error.to_string()))?
        .to_string();
    let ns = match namespace {
        ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(prefix) => {
            return Err(XmlError::Syntax(format!(
                "undeclared namespace prefix {}",
                String::from_utf8_lossy(prefix)
            )))
        }
    };
    Ok(Element {
        name,
        ns,
        ..Element::default()
    })
}

// `xsi:nil="true"` marks an absent value: such elements are left out of the tree.
fn is_nil(reader: &NsReader<&[u8]>, start: &quick_xml::events::BytesStart) -> bool {
    start.attributes().flatten().any(|attribute| {
        let (namespace, local) = reader.resolve_attribute(attribute.key);
        let in_xsi = matches!(namespace, ResolveResult::Bound(ns) if ns.as_ref() == XSI_NS);
        in_xsi && local.as_ref() == b"nil" && matches!(attribute.value.as_ref(), b"true" | b"1")
    })
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        top.text.push_str(text);
    }
}

fn attach(stack: &mut [Element], element: Element) -> Option<Element> {
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(element);
            None
        }
        None => Some(element),
    }
}

// Only whitespace, comments and processing instructions may follow the root.
fn finish(reader: &mut NsReader<&[u8]>, root: Element) -> Result<Element, XmlError> {
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return Ok(root),
            Ok(Event::Text(text)) if text.iter().all(u8::is_ascii_whitespace) => {}
            Ok(Event::Comment(_) | Event::PI(_)) => {}
            Ok(_) => return Err(XmlError::Syntax("content after the root element".into())),
            Err(error) => return Err(XmlError::Syntax(error.to_string())),
        }
    }
}

/// Escapes text for element content and attribute values.
pub fn escape(text: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(text)
}

/// Builds an XML string; every text value goes through `escape`.
#[derive(Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// Starts an empty writer.
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(1024),
        }
    }

    /// Opens element `name`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Opens element `name` declaring `ns` as the default namespace.
    pub fn open_ns(&mut self, name: &str, ns: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(&escape(ns));
        self.out.push_str("\">");
        self
    }

    /// Closes element `name`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Writes `<name>value</name>`.
    pub fn leaf(&mut self, name: &str, value: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(value));
        self.close(name)
    }

    /// Writes `<name>value</name>` when `value` is present.
    pub fn opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.leaf(name, value);
        }
        self
    }

    /// Writes an xsd:boolean leaf when present.
    pub fn opt_bool(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        if let Some(value) = value {
            self.leaf(name, if value { "true" } else { "false" });
        }
        self
    }

    /// Writes a copy of `element` (for echoes in `failedData`) under `name`.
    pub fn echo_as(&mut self, name: &str, element: &Element) -> &mut Self {
        self.open(name);
        if element.children.is_empty() {
            self.out.push_str(&escape(&element.text));
        }
        for child in &element.children {
            self.echo_as(&child.name, child);
        }
        self.close(name)
    }

    /// Appends raw, already well-formed XML.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }

    /// Returns the XML written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_escaped_text_as_data() {
        let root =
            parse(br#"<a xmlns="urn:x"><b>x &lt;y&gt; &amp; "q" &#65;</b></a>"#).expect("parse");
        assert_eq!(root.ns, "urn:x");
        assert_eq!(root.child("b").expect("b").ns, "urn:x");
        assert_eq!(root.text_of("b"), Some(r#"x <y> & "q" A"#));
    }

    #[test]
    fn parse_refuses_a_doctype() {
        let doc = br#"<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>"#;
        assert!(matches!(parse(doc), Err(XmlError::Doctype)));
    }

    #[test]
    fn parse_refuses_truncated_documents() {
        assert!(parse(b"<a><b>1</b>").is_err());
        assert!(parse(b"<a><b>1</c></a>").is_err());
    }

    #[test]
    fn parse_drops_nil_elements() {
        let doc = br#"<a xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><b xsi:nil="true"><c/></b><d/></a>"#;
        let root = parse(doc).expect("parse");
        assert!(root.child("b").is_none());
        assert!(root.child("d").is_some());
    }

    #[test]
    fn writer_escapes_values_and_echoes() {
        let root = parse(b"<a><b>&lt;&amp;</b></a>").expect("parse");
        let mut writer = XmlWriter::new();
        writer.echo_as("z", &root).leaf("q", "\"'");
        assert_eq!(
            writer.finish(),
            "<z><b>&lt;&amp;</b></z><q>&quot;&apos;</q>"
        );
    }
}
