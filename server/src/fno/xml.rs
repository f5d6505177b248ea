//! XML for the FNO client: a writer that escapes every value it is given and
//! a small element tree read with quick-xml's namespace-aware reader. A
//! document type declaration is refused, so no entity is ever expanded; only
//! XML's predefined entities and character references are decoded.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// The XML Schema instance namespace (`xsi:nil`).
const XSI_NS: &[u8] = b"http://www.w3.org/2001/XMLSchema-instance";

/// One element: local name, namespace, text and child elements.
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML.
    #[error("malformed xml: {0}")]
    Syntax(String),
    /// A DOCTYPE was present; entity declarations are never processed.
    #[error("document type declarations are refused")]
    Doctype,
    /// No complete root element.
    #[error("premature end of document")]
    Incomplete,
    /// Elements nested deeper than [`MAX_DEPTH`]: no SOAP answer does that.
    #[error("elements nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// The deepest nesting of elements read; FNO's answers stay far below it.
pub const MAX_DEPTH: usize = 64;

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

    /// Returns the trimmed text at `path` when present and not blank.
    pub fn value_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path)
            .map(|element| element.text.trim())
            .filter(|text| !text.is_empty())
    }

    /// Returns the trimmed text of child `name` when present and not blank.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.value_at(&[name])
    }

    /// Returns the text of child `name` as an owned string.
    pub fn string(&self, name: &str) -> Option<String> {
        self.value(name).map(str::to_string)
    }

    /// Reads child `name` as an xsd:boolean (`true`/`false`/`1`/`0`).
    pub fn bool_of(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(parse_bool)
    }

    /// Reads child `name` as an integer.
    pub fn int_of(&self, name: &str) -> Option<i64> {
        self.value(name).and_then(|text| text.parse().ok())
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
    let mut nil_depth = 0usize;
    loop {
        let (namespace, event) = reader.read_resolved_event().map_err(syntax)?;
        match event {
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Start(_) if stack.len() + nil_depth >= MAX_DEPTH => {
                return Err(XmlError::TooDeep)
            }
            Event::Start(_) if nil_depth > 0 => nil_depth += 1,
            Event::End(_) if nil_depth > 0 => nil_depth -= 1,
            Event::Empty(_) | Event::Text(_) | Event::CData(_) if nil_depth > 0 => {}
            Event::Start(start) => {
                let element = new_element(&namespace, &start)?;
                if is_nil(&reader, &start) {
                    nil_depth = 1;
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
            Event::End(_) => {
                let element = stack.pop().ok_or(XmlError::Incomplete)?;
                if let Some(root) = attach(&mut stack, element) {
                    return finish(&mut reader, root);
                }
            }
            Event::Text(text) => {
                let unescaped = text.unescape().map_err(syntax)?;
                push_text(&mut stack, &unescaped);
            }
            Event::CData(data) => {
                push_text(&mut stack, &String::from_utf8_lossy(&data.into_inner()));
            }
            Event::Eof => return Err(XmlError::Incomplete),
            _ => {}
        }
    }
}

fn syntax(error: impl std::fmt::Display) -> XmlError {
    XmlError::Syntax(error.to_string())
}

fn new_element(namespace: &ResolveResult, start: &BytesStart) -> Result<Element, XmlError> {
    let name = std::str::from_utf8(start.local_name().as_ref())
        .map_err(syntax)?
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

// Axis writes `xsi:nil="true"` for absent values: such elements are left out.
fn is_nil(reader: &NsReader<&[u8]>, start: &BytesStart) -> bool {
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
        match reader.read_event().map_err(syntax)? {
            Event::Eof => return Ok(root),
            Event::Text(text) if text.iter().all(u8::is_ascii_whitespace) => {}
            Event::Comment(_) | Event::PI(_) => {}
            _ => return Err(XmlError::Syntax("content after the root element".into())),
        }
    }
}

/// Builds an XML fragment. Element names are the client's own constants;
/// every value goes through quick-xml's escaping.
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

    /// Closes element `name`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Writes `<name>value</name>` with `value` escaped.
    pub fn leaf(&mut self, name: &str, value: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&quick_xml::escape::escape(value));
        self.close(name)
    }

    /// Writes a leaf when `value` is present.
    pub fn opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.leaf(name, value);
        }
        self
    }

    /// Writes an xsd:boolean leaf.
    pub fn bool(&mut self, name: &str, value: bool) -> &mut Self {
        self.leaf(name, if value { "true" } else { "false" })
    }

    /// Writes an xsd:boolean leaf when present.
    pub fn opt_bool(&mut self, name: &str, value: Option<bool>) -> &mut Self {
        if let Some(value) = value {
            self.bool(name, value);
        }
        self
    }

    /// Writes a number leaf.
    pub fn number(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        self.leaf(name, &value.to_string())
    }

    /// Writes `<name><primaryKeys><key>value</key></primaryKeys></name>`, FNO's identifier shape.
    pub fn identifier(&mut self, name: &str, key: &str, value: &str) -> &mut Self {
        self.open(name)
            .open("primaryKeys")
            .leaf(key, value)
            .close("primaryKeys")
            .close(name)
    }

    /// Writes a `SimpleQueryType` filter: `<name><value>…</value><searchType>…</searchType></name>`.
    pub fn simple_query(&mut self, name: &str, value: &str, search_type: &str) -> &mut Self {
        self.open(name)
            .leaf("value", value)
            .leaf("searchType", search_type)
            .close(name)
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
    fn a_deeply_nested_document_is_refused_without_building_it() {
        let depth = 200_000;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert_eq!(parse(xml.as_bytes()), Err(XmlError::TooDeep));
        let nested_nil = format!(
            "<r xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><n xsi:nil=\"true\">{}{}</n></r>",
            "<a>".repeat(depth),
            "</a>".repeat(depth)
        );
        assert_eq!(parse(nested_nil.as_bytes()), Err(XmlError::TooDeep));
        let fine = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(fine.as_bytes()).is_ok());
    }

    #[test]
    fn parse_decodes_escaped_text_as_data() {
        let root =
            parse(br#"<a xmlns="urn:x"><b> x &lt;y&gt; &amp; "q" &#65; </b></a>"#).expect("parse");
        assert_eq!(root.ns, "urn:x");
        assert_eq!(root.child("b").expect("b").ns, "urn:x");
        assert_eq!(root.value("b"), Some(r#"x <y> & "q" A"#));
    }

    #[test]
    fn parse_refuses_a_doctype_so_no_entity_is_expanded() {
        let doc = br#"<!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>"#;
        assert_eq!(parse(doc), Err(XmlError::Doctype));
    }

    #[test]
    fn parse_refuses_an_undeclared_entity() {
        assert!(matches!(parse(b"<a>&e;</a>"), Err(XmlError::Syntax(_))));
    }

    #[test]
    fn parse_refuses_truncated_documents() {
        assert_eq!(parse(b"<a><b>1</b>"), Err(XmlError::Incomplete));
        assert!(parse(b"<a><b>1</c></a>").is_err());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn parse_drops_nil_elements() {
        let doc = br#"<a xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><b xsi:nil="true"><c/></b><d/></a>"#;
        let root = parse(doc).expect("parse");
        assert!(root.child("b").is_none());
        assert!(root.child("d").is_some());
    }

    #[test]
    fn writer_escapes_markup_ampersands_and_quotes() {
        let mut writer = XmlWriter::new();
        writer.leaf("q", r#"<b>&"O'Brien"</b>"#);
        assert_eq!(
            writer.finish(),
            "<q>&lt;b&gt;&amp;&quot;O&apos;Brien&quot;&lt;/b&gt;</q>"
        );
    }

    #[test]
    fn escaped_values_read_back_unchanged() {
        let value = r#"a < b && "c" > 'd' ]]> &amp;"#;
        let mut writer = XmlWriter::new();
        writer.open("r").leaf("v", value).close("r");
        let root = parse(writer.finish().as_bytes()).expect("parse");
        assert_eq!(root.child("v").expect("v").text, value);
    }
}
