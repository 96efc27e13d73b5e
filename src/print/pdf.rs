//! PDF letters and statements: the sender's block, the client's address,
//! the date and title, the body text, a table of open items that runs on
//! over as many pages as it needs (its header repeated), and "Page N of M"
//! at the foot of every page.
//!
//! Text is set in a stack of fonts, each embedded as a subset of the glyphs
//! used, so the file stays small; each character comes from the first font
//! that has it: the file `[print] font` names (when set), then the bundled
//! DejaVu Sans (src/print/fonts, licence beside it: Latin, Greek,
//! Cyrillic...); without `[print] font`, also common system fonts with CJK
//! glyphs ([`SYSTEM_FONTS`]), only when the text needs them. A character no font has prints as
//! the replacement glyph, never as nothing, and [`print`] says which
//! characters those are and which key to set.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Paper sizes in points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    pub fn parse(s: &str) -> Result<Paper, String> {
        match s {
            "a4" => Ok(Paper::A4),
            "letter" => Ok(Paper::Letter),
            other => Err(format!("paper must be \"a4\" or \"letter\", not \"{other}\"")),
        }
    }
    fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table of open items.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub title: String,
    /// Header and alignment per column.
    pub columns: Vec<(String, Align)>,
    /// Relative widths, one per column.
    pub widths: Vec<f32>,
    pub rows: Vec<Vec<String>>,
    /// Rows after a rule (totals).
    pub footer: Vec<Vec<String>>,
}

/// Everything on the page, already worded.
#[derive(Clone, Debug)]
pub struct Document {
    pub paper: Paper,
    /// Sender's name, address lines, e-mail: top right.
    pub sender: Vec<String>,
    /// Client's name and address lines: top left, where a window envelope shows it.
    pub recipient: Vec<String>,
    pub date: String,
    pub title: String,
    /// Paragraphs separated by blank lines; single line breaks are kept.
    pub body: String,
    pub table: Option<Table>,
    /// After the table (payment instructions, signature).
    pub closing: String,
}

/// Common system fonts with CJK glyphs and TrueType outlines, tried in
/// this order when `[print] font` is not set and the text needs glyphs
/// DejaVu Sans lacks (Debian packages: fonts-droid-fallback,
/// fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming).
pub const SYSTEM_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttf",
];

/// A font's bytes and how the PDF and messages name it.
pub struct FontFile {
    bytes: Cow<'static, [u8]>,
    /// Where it came from, for messages: a path, or "the built-in DejaVu Sans".
    pub label: String,
    /// The PostScript-safe name for the PDF (`DejaVuSans`).
    name: String,
}

impl FontFile {
    pub fn built_in() -> FontFile {
        FontFile { bytes: Cow::Borrowed(FONT), label: "the built-in DejaVu Sans".into(), name: "DejaVuSans".into() }
    }

    /// Reads a font file: TrueType outlines only (a `.ttf`, or the first
    /// face of a `.ttc`); an OpenType font with CFF outlines is refused
    /// with a word on what to use instead.
    pub fn load(path: &Path) -> Result<FontFile, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read the font {}: {e}", path.display()))?;
        let face = ttf_parser::Face::parse(&bytes, 0)
            .map_err(|e| format!("{} is not a font dun can read ({e})", path.display()))?;
        if face.tables().glyf.is_none() {
            return Err(format!(
                "{} has no TrueType outlines (an OpenType/CFF font such as Noto Sans CJK .otf); use a .ttf or .ttc font, e.g. Droid Sans Fallback or WenQuanYi Zen Hei",
                path.display()
            ));
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let name: String = stem.chars().filter(|c| c.is_ascii_alphanumeric()).take(40).collect();
        let name = if name.is_empty() { "Font".to_string() } else { name };
        Ok(FontFile { bytes: Cow::Owned(bytes), label: path.display().to_string(), name })
    }

    /// The characters of `text` this font has no glyph for (spaces and
    /// line breaks aside), in order, once each.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let Ok(face) = ttf_parser::Face::parse(&self.bytes, 0) else { return vec![] };
        let mut seen = BTreeSet::new();
        text.chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .filter(|c| face.glyph_index(*c).is_none())
            .filter(|c| seen.insert(*c))
            .collect()
    }
}

/// The fonts a document's text is set in, in the order they are tried for
/// each character: the configured one (`[print] font`) then the built-in;
/// without a configured font, the built-in then each of [`SYSTEM_FONTS`]
/// present that shows characters the others lack, until nothing is missing.
pub fn stack(configured: Option<&Path>, text: &str) -> Result<Vec<FontFile>, String> {
    if let Some(p) = configured {
        // The user's choice: no guessing beside it.
        return Ok(vec![FontFile::load(p)?, FontFile::built_in()]);
    }
    let mut fonts = vec![FontFile::built_in()];
    let mut missing = missing_in(&fonts, text);
    for p in SYSTEM_FONTS.iter().map(PathBuf::from) {
        if missing.is_empty() {
            break;
        }
        let Some(f) = p.is_file().then(|| FontFile::load(&p).ok()).flatten() else { continue };
        let still = f.missing(&missing.iter().collect::<String>());
        if still.len() < missing.len() {
            fonts.push(f);
            missing = still;
        }
    }
    Ok(fonts)
}

/// The characters of `text` none of `fonts` has.
pub fn missing_in(fonts: &[FontFile], text: &str) -> Vec<char> {
    let mut left: String = text.to_string();
    let mut out = Vec::new();
    for (i, f) in fonts.iter().enumerate() {
        out = f.missing(&left);
        if i + 1 < fonts.len() {
            left = out.iter().collect();
        }
    }
    out
}

/// Everything a PDF is laid out with besides the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Print {
    pub paper: Paper,
    /// `[print] font`, when set.
    pub font: Option<PathBuf>,
}

/// A written PDF and, when some characters had no glyph in the font used,
/// the warning that says which, and how to fix it.
pub struct Printed {
    pub bytes: Vec<u8>,
    pub warning: Option<String>,
}

/// Every character the document shows.
fn all_text(doc: &Document) -> String {
    let mut t = String::new();
    for s in doc.sender.iter().chain(&doc.recipient) {
        t.push_str(s);
        t.push('\n');
    }
    for s in [&doc.date, &doc.title, &doc.body, &doc.closing] {
        t.push_str(s);
        t.push('\n');
    }
    if let Some(tb) = &doc.table {
        t.push_str(&tb.title);
        for row in tb.columns.iter().map(|c| &c.0).chain(tb.rows.iter().flatten()).chain(tb.footer.iter().flatten()) {
            t.push_str(row);
            t.push(' ');
        }
    }
    t
}

/// Lays out and writes the document in the fonts of [`stack`], and names
/// the characters none of them can show.
pub fn print(doc: &Document, configured: Option<&Path>) -> Result<Printed, String> {
    let text = all_text(doc);
    let fonts = stack(configured, &text)?;
    let missing = missing_in(&fonts, &text);
    let bytes = render_with(doc, &fonts);
    let warning = (!missing.is_empty()).then(|| {
        // A bidi control from a name is named by its code point only:
        // quoted as itself it would reorder the warning around it.
        let shown: Vec<String> = missing
            .iter()
            .take(12)
            .map(|c| {
                let own = c.to_string();
                match crate::text::sanitize(&own) {
                    std::borrow::Cow::Borrowed(_) => format!("{c} (U+{:04X})", u32::from(*c)),
                    std::borrow::Cow::Owned(_) => format!("U+{:04X}", u32::from(*c)),
                }
            })
            .collect();
        let shown = shown.join(", ");
        let more = if missing.len() > 12 { format!(" and {} more", missing.len() - 12) } else { String::new() };
        format!(
            "no PDF font ({}) has a glyph for {shown}{more}: they print as a replacement mark. Set [print] font = \"/path/to/font.ttf\" in config.toml to a font that has them (e.g. Droid Sans Fallback or WenQuanYi Zen Hei for Chinese and Japanese)",
            fonts.iter().map(|f| f.label.as_str()).collect::<Vec<_>>().join(", ")
        )
    });
    Ok(Printed { bytes, warning })
}

struct Font<'a> {
    face: ttf_parser::Face<'a>,
    units: f32,
}

impl<'a> Font<'a> {
    fn load(file: &'a FontFile) -> Font<'a> {
        // A FontFile parsed when it was loaded; the built-in one is valid
        // (a test renders with it).
        let face = ttf_parser::Face::parse(&file.bytes, 0)
            .or_else(|_| ttf_parser::Face::parse(FONT, 0))
            .expect("the bundled DejaVu Sans parses");
        let units = f32::from(face.units_per_em());
        Font { face, units }
    }
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).or_else(|| self.face.glyph_index('\u{FFFD}')).map(|g| g.0).unwrap_or(0)
    }
    fn advance(&self, gid: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(ttf_parser::GlyphId(gid)).unwrap_or(0)) / self.units
    }
}

/// The document's fonts, loaded: each character is shown by the first
/// that has it (else by the first, as its replacement glyph).
struct Fonts<'a> {
    list: Vec<Font<'a>>,
}

impl Fonts<'_> {
    fn pick(&self, c: char) -> usize {
        self.list.iter().position(|f| f.face.glyph_index(c).is_some()).unwrap_or(0)
    }
    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars()
            .map(|c| {
                let f = &self.list[self.pick(c)];
                f.advance(f.glyph(c))
            })
            .sum::<f32>()
            * size
    }
    /// `s` cut into runs of one font each.
    fn runs(&self, s: &str) -> Vec<(usize, String)> {
        let mut out: Vec<(usize, String)> = Vec::new();
        for c in s.chars() {
            let i = self.pick(c);
            match out.last_mut() {
                Some((j, run)) if *j == i => run.push(c),
                _ => out.push((i, c.to_string())),
            }
        }
        out
    }
}

/// Collects the glyphs used and encodes text as 2-byte glyph ids of the subset.
struct Encoder {
    remapper: subsetter::GlyphRemapper,
    /// New glyph id → (old glyph id, a character it shows).
    used: BTreeMap<u16, (u16, char)>,
}

impl Encoder {
    fn encode(&mut self, font: &Font, s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len() * 2);
        for c in s.chars() {
            let old = font.glyph(c);
            let new = self.remapper.remap(old);
            // A missing character shows the replacement glyph; copying
            // text out of the PDF gives U+FFFD for it, not another letter.
            let shown = if font.face.glyph_index(c).is_some() { c } else { '\u{FFFD}' };
            self.used.entry(new).or_insert((old, shown));
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

const MARGIN: f32 = 56.0;
const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 13.5;
const FOOT: f32 = 40.0;

/// One page's drawing, in page coordinates (origin bottom left).
#[derive(Default)]
struct Page {
    /// (x, y, size, text)
    texts: Vec<(f32, f32, f32, String)>,
    /// (x1, y1, x2, y2)
    rules: Vec<(f32, f32, f32, f32)>,
}

struct Layout<'f> {
    font: &'f Fonts<'f>,
    width: f32,
    height: f32,
    pages: Vec<Page>,
    y: f32,
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("layout starts with a page")
    }
    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = self.height - MARGIN;
    }
    /// Room for `h` more points above the footer, else a new page.
    fn need(&mut self, h: f32) -> bool {
        if self.y - h < MARGIN + FOOT {
            self.new_page();
            true
        } else {
            false
        }
    }
    fn text(&mut self, x: f32, size: f32, s: &str) {
        let y = self.y;
        self.page().texts.push((x, y, size, s.to_string()));
    }
    fn text_right(&mut self, right: f32, size: f32, s: &str) {
        let w = self.font.width(s, size);
        self.text(right - w, size, s);
    }
    fn line(&mut self, size: f32, s: &str) {
        self.need(LEADING);
        self.text(MARGIN, size, s);
        self.y -= LEADING * size / BODY_SIZE;
    }
    /// Word-wraps `text` to the text width.
    fn paragraph(&mut self, text: &str) {
        let max = self.width - 2.0 * MARGIN;
        for raw in text.lines() {
            if raw.trim().is_empty() {
                self.y -= LEADING * 0.6;
                continue;
            }
            let indent: String = raw.chars().take_while(|c| *c == ' ').collect();
            let mut cur = indent.clone();
            for word in raw.split_whitespace() {
                let candidate = if cur.trim().is_empty() { format!("{indent}{word}") } else { format!("{cur} {word}") };
                if self.font.width(&candidate, BODY_SIZE) <= max || cur.trim().is_empty() {
                    cur = candidate;
                    // A single word wider than the line is broken by characters.
                    while self.font.width(&cur, BODY_SIZE) > max {
                        let mut cut = String::new();
                        for c in cur.chars() {
                            if self.font.width(&format!("{cut}{c}"), BODY_SIZE) > max {
                                break;
                            }
                            cut.push(c);
                        }
                        let rest: String = cur.chars().skip(cut.chars().count()).collect();
                        self.line(BODY_SIZE, &cut);
                        cur = rest;
                    }
                } else {
                    self.line(BODY_SIZE, &cur);
                    cur = format!("{indent}{word}");
                }
            }
            if !cur.trim().is_empty() {
                self.line(BODY_SIZE, &cur);
            }
        }
    }

    fn table(&mut self, t: &Table) {
        let total_w: f32 = t.widths.iter().sum::<f32>().max(1.0);
        let avail = self.width - 2.0 * MARGIN;
        let mut xs = Vec::new();
        let mut x = MARGIN;
        for w in &t.widths {
            xs.push((x, x + w / total_w * avail));
            x += w / total_w * avail;
        }
        let size = 9.0;
        let cell = |l: &mut Self, row: &[String]| {
            for (i, (text, (x0, x1))) in row.iter().zip(&xs).enumerate() {
                let text = fit(l.font, text, size, x1 - x0 - 4.0);
                match t.columns.get(i).map(|c| c.1) {
                    Some(Align::Right) => l.text_right(*x1 - 2.0, size, &text),
                    _ => l.text(*x0 + 2.0, size, &text),
                }
            }
            l.y -= LEADING;
        };
        let header = |l: &mut Self| {
            let names: Vec<String> = t.columns.iter().map(|c| c.0.clone()).collect();
            cell(l, &names);
            let (y, right) = (l.y + LEADING - 3.5, l.width - MARGIN);
            l.page().rules.push((MARGIN, y, right, y));
        };
        self.need(LEADING * 4.0);
        if !t.title.is_empty() {
            self.line(11.0, &t.title);
            self.y -= 4.0;
        }
        header(self);
        for row in &t.rows {
            if self.need(LEADING) {
                header(self);
            }
            cell(self, row);
        }
        if !t.footer.is_empty() {
            self.need(LEADING * (t.footer.len() as f32 + 1.0));
            let y = self.y + LEADING - 3.5;
            let w = self.width;
            self.page().rules.push((MARGIN, y, w - MARGIN, y));
            for row in &t.footer {
                cell(self, row);
            }
        }
    }
}

/// `s` cut with an ellipsis to fit `max` points.
fn fit(font: &Fonts, s: &str, size: f32, max: f32) -> String {
    if font.width(s, size) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if font.width(&format!("{out}{c}…"), size) > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Lays out and writes the document in the built-in font (or a system
/// one, as [`choose`] picks without a configured font).
pub fn render(doc: &Document) -> Vec<u8> {
    let fonts = stack(None, &all_text(doc)).unwrap_or_else(|_| vec![FontFile::built_in()]);
    render_with(doc, &fonts)
}

/// Lays out and writes the document in `files` (tried in order per character).
pub fn render_with(doc: &Document, files: &[FontFile]) -> Vec<u8> {
    let builtin;
    let files = if files.is_empty() {
        builtin = [FontFile::built_in()];
        &builtin[..]
    } else {
        files
    };
    let font = Fonts { list: files.iter().map(Font::load).collect() };
    let (w, h) = doc.paper.size();
    let mut l = Layout { font: &font, width: w, height: h, pages: Vec::new(), y: 0.0 };
    l.new_page();
    // Sender, top right.
    for (i, s) in doc.sender.iter().enumerate() {
        l.text_right(w - MARGIN, if i == 0 { 11.0 } else { 9.0 }, s);
        l.y -= 12.0;
    }
    // Recipient, where a window envelope shows it (about 50 mm from the top).
    l.y = l.y.min(h - 142.0);
    for s in &doc.recipient {
        l.text(MARGIN, BODY_SIZE, s);
        l.y -= LEADING;
    }
    l.y -= LEADING;
    l.text_right(w - MARGIN, BODY_SIZE, &doc.date);
    l.y -= LEADING * 2.0;
    l.paragraph_title(&doc.title);
    l.paragraph(&doc.body);
    if let Some(t) = &doc.table {
        l.y -= LEADING;
        l.table(t);
    }
    if !doc.closing.trim().is_empty() {
        l.y -= LEADING;
        l.paragraph(&doc.closing);
    }
    write(&font, files, &l.pages, w, h, &doc.title)
}

impl Layout<'_> {
    fn paragraph_title(&mut self, title: &str) {
        let max = self.width - 2.0 * MARGIN;
        let t = fit(self.font, title, 13.0, max);
        self.need(LEADING * 2.0);
        self.text(MARGIN, 13.0, &t);
        self.y -= LEADING * 1.8;
    }
}

/// The objects of one embedded font.
struct FontRefs {
    font: Ref,
    cid: Ref,
    desc: Ref,
    file: Ref,
    cmap: Ref,
}

fn write(fonts: &Fonts, files: &[FontFile], pages: &[Page], w: f32, h: f32, title: &str) -> Vec<u8> {
    let mut encs: Vec<Encoder> = fonts
        .list
        .iter()
        .map(|_| {
            let mut e = Encoder { remapper: subsetter::GlyphRemapper::new(), used: BTreeMap::new() };
            // Glyph 0 (.notdef) stays glyph 0 in the subset.
            e.remapper.remap(0);
            e
        })
        .collect();
    let mut next = 1;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };
    let catalog = Ref::new(1);
    let tree = alloc();
    let refs: Vec<FontRefs> = fonts
        .list
        .iter()
        .map(|_| FontRefs { font: alloc(), cid: alloc(), desc: alloc(), file: alloc(), cmap: alloc() })
        .collect();
    let info_ref = alloc();
    let n = pages.len();
    let ids: Vec<(Ref, Ref)> = (0..n).map(|_| (alloc(), alloc())).collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(ids.iter().map(|p| p.0)).count(n as i32);
    pdf.document_info(info_ref).title(TextStr(title)).producer(TextStr("dun"));
    let names: Vec<String> = (1..=fonts.list.len()).map(|i| format!("F{i}")).collect();
    for (i, (page, (pid, cid))) in pages.iter().zip(&ids).enumerate() {
        let mut c = Content::new();
        c.set_line_width(0.5);
        for (x1, y1, x2, y2) in &page.rules {
            c.move_to(*x1, *y1).line_to(*x2, *y2).stroke();
        }
        let foot = format!("Page {} of {}", i + 1, n);
        let fw = fonts.width(&foot, 8.0);
        let texts = page.texts.iter().map(|(x, y, s, t)| (*x, *y, *s, t.as_str()));
        for (x, y, size, t) in texts.chain(std::iter::once(((w - fw) / 2.0, MARGIN * 0.6, 8.0, foot.as_str()))) {
            c.begin_text();
            c.next_line(x, y);
            // Each run in its font; the text position moves on by the widths.
            for (f, run) in fonts.runs(t) {
                let bytes = encs[f].encode(&fonts.list[f], &run);
                c.set_font(Name(names[f].as_bytes()), size);
                c.show(Str(&bytes));
            }
            c.end_text();
        }
        let data = c.finish();
        let mut p = pdf.page(*pid);
        p.media_box(Rect::new(0.0, 0.0, w, h)).parent(tree).contents(*cid);
        {
            let mut res = p.resources();
            let mut fr = res.fonts();
            for (name, r) in names.iter().zip(&refs) {
                fr.pair(Name(name.as_bytes()), r.font);
            }
        }
        p.finish();
        pdf.stream(*cid, &data);
    }
    for (i, ((font, file), (enc, r))) in fonts.list.iter().zip(files).zip(encs.iter().zip(&refs)).enumerate() {
        embed(&mut pdf, i, font, file, enc, r);
    }
    pdf.finish()
}

/// One font as a subset: the Type 0 font, its CID font with the widths,
/// the descriptor, the subset file, and the map back to Unicode (so text
/// copied out of the PDF reads as written).
fn embed(pdf: &mut Pdf, i: usize, font: &Font, file: &FontFile, enc: &Encoder, r: &FontRefs) {
    // Subset tags differ per font: AAAAAA+, AAAAAB+, ...
    let base_name = format!("AAAAA{}+{}", char::from(b'A' + (i % 26) as u8), file.name);
    let base = Name(base_name.as_bytes());
    let sys = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    pdf.type0_font(r.font)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(r.cid)
        .to_unicode(r.cmap);
    let widths: Vec<f32> = (0..enc.remapper.num_gids())
        .map(|new| enc.used.get(&new).map(|(old, _)| font.advance(*old) * 1000.0).unwrap_or(0.0))
        .collect();
    let mut cidf = pdf.cid_font(r.cid);
    cidf.subtype(CidFontType::Type2).base_font(base).system_info(sys).font_descriptor(r.desc).default_width(0.0);
    cidf.widths().consecutive(0, widths);
    cidf.cid_to_gid_map_predefined(Name(b"Identity"));
    cidf.finish();
    let f = &font.face;
    let s = 1000.0 / font.units;
    let bb = f.global_bounding_box();
    pdf.font_descriptor(r.desc)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bb.x_min) * s,
            f32::from(bb.y_min) * s,
            f32::from(bb.x_max) * s,
            f32::from(bb.y_max) * s,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(f.ascender()) * s)
        .descent(f32::from(f.descender()) * s)
        .cap_height(f32::from(f.capital_height().unwrap_or(f.ascender())) * s)
        .stem_v(80.0)
        .font_file2(r.file);
    let subset = subsetter::subset(&file.bytes, 0, &enc.remapper).unwrap_or_else(|_| file.bytes.to_vec());
    pdf.stream(r.file, &subset);
    let mut cmap = UnicodeCmap::new(Name(b"Custom"), sys);
    for (new, (_, ch)) in &enc.used {
        cmap.pair(*new, *ch);
    }
    let cmap = cmap.finish();
    pdf.cmap(r.cmap, &cmap);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_pdf_with_a_small_subset() {
        let doc = Document {
            paper: Paper::A4,
            sender: vec!["Example Ltd".into(), "1 High Street".into()],
            recipient: vec!["Ærø Fisk ApS".into(), "Søren Ærø".into()],
            date: "2026-03-16".into(),
            title: "Statement of account".into(),
            body: "Dear Søren,\n\nHere it is. 東京".into(),
            table: Some(Table {
                title: "Open items".into(),
                columns: vec![("Invoice".into(), Align::Left), ("Open".into(), Align::Right)],
                widths: vec![1.0, 1.0],
                rows: (0..80).map(|i| vec![format!("INV-{i}"), "1.00".into()]).collect(),
                footer: vec![vec!["Total".into(), "80.00".into()]],
            }),
            closing: "Kind regards".into(),
        };
        let bytes = render(&doc);
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() < 120_000, "the font is subset: {} bytes", bytes.len());
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("/Count 1"), "80 rows run onto more pages");
    }

    #[test]
    fn missing_characters_are_named_once_each_in_order() {
        let dejavu = [FontFile::built_in()];
        assert_eq!(missing_in(&dejavu, "Ærø Fisk, Łódź, Москва"), Vec::<char>::new());
        assert_eq!(missing_in(&dejavu, "東京 東京 ソニー"), vec!['東', '京', 'ソ', 'ニ', 'ー']);
        let unreadable = stack(Some(Path::new("/nonexistent/x.ttf")), "x").err().unwrap();
        assert!(unreadable.contains("cannot read the font /nonexistent/x.ttf"), "{unreadable}");
    }

    /// A bidi isolate in a name, which the font lacks, is named by its code
    /// point only: quoted as itself it would reorder the warning's line.
    #[test]
    fn a_missing_bidi_control_is_named_not_quoted() {
        let doc = Document {
            paper: Paper::A4,
            sender: vec![],
            recipient: vec!["Evil\u{2066}Corp".into()],
            date: String::new(),
            title: "東".into(),
            body: String::new(),
            table: None,
            closing: String::new(),
        };
        let dejavu = concat!(env!("CARGO_MANIFEST_DIR"), "/src/print/fonts/DejaVuSans.ttf");
        let w = print(&doc, Some(Path::new(dejavu))).unwrap().warning.unwrap();
        assert!(w.contains("U+2066") && !w.contains('\u{2066}'), "{w}");
        assert!(w.contains("東 (U+6771)"), "a printable character is still shown: {w}");
    }
}
