//! The checksum check of a finished index generation, reading each file in pieces. tantivy's
//! own check (`Index::validate_checksum`) reads every file whole through its memory map, which
//! makes every page of the index resident at once while the library opens (at 100,000 articles
//! it raised the peak from about 216 to 350 MB). Here each segment file is read 1 MB at a time with
//! plain reads, which go through the page cache without staying in the process; the footer and
//! its CRC32 are tantivy's, read with tantivy's own `Footer`.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::footer::Footer;
use tantivy::directory::FileSlice;
use tantivy::{HasLen, Index};
use tantivy_common::file_slice::WrapFile;

const PIECE: usize = 1 << 20;

/// The files of the index's segments in `dir` whose content does not match their checksum (or
/// that cannot be read).
pub(super) fn damaged_files(index: &Index, dir: &Path) -> tantivy::Result<Vec<PathBuf>> {
    damaged_in_pieces(index, dir, PIECE)
}

fn damaged_in_pieces(index: &Index, dir: &Path, piece: usize) -> tantivy::Result<Vec<PathBuf>> {
    let segments: Vec<String> = index
        .searchable_segment_metas()?
        .iter()
        .map(|m| m.id().uuid_string())
        .collect();
    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    let mut damaged = Vec::new();
    for s in &segments {
        let files: Vec<&String> = names.iter().filter(|n| n.starts_with(s.as_str())).collect();
        // A segment with no files at all is damaged too.
        if files.is_empty() {
            damaged.push(dir.join(s));
        }
        for name in files {
            let path = dir.join(name);
            if !matches!(file_matches(&path, piece), Ok(true)) {
                damaged.push(path);
            }
        }
    }
    Ok(damaged)
}

fn io_error(path: &Path, e: io::Error) -> tantivy::TantivyError {
    tantivy::TantivyError::SystemError(format!("{}: {e}", path.display()))
}

/// Whether the file's body hashes to the CRC32 its footer records.
fn file_matches(path: &Path, piece: usize) -> io::Result<bool> {
    // tantivy's own handle for a plain file: positioned reads, never a memory map.
    let slice = FileSlice::new(Arc::new(WrapFile::new(File::open(path)?)?));
    let (footer, body) = Footer::extract_footer(slice)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut at = 0;
    while at < body.len() {
        let end = (at + piece).min(body.len());
        hasher.update(body.read_bytes_slice(at..end)?.as_slice());
        at = end;
    }
    Ok(hasher.finalize() == footer.crc)
}

#[cfg(test)]
mod tests {
    use super::super::{schema, IndexDoc, SearchIndex};
    use super::*;

    /// Every segment file, damaged by one flipped byte anywhere in its body, is reported, as
    /// tantivy's own check reports it; undamaged, none is. Pieces of 7 bytes make every read
    /// cross piece boundaries.
    #[test]
    fn agrees_with_tantivy_s_own_check() {
        let dir = tempfile::tempdir().unwrap();
        let (s, fields) = schema();
        let docs: Vec<IndexDoc> = (0..50)
            .map(|i| IndexDoc {
                id: format!("a{i}"),
                title: format!("pacing and rest {i}"),
                body: "Pacing keeps activity within the energy envelope. ".repeat(1 + i % 5),
                stored: Some(format!("body {i}")),
                ..IndexDoc::default()
            })
            .collect();
        SearchIndex::fill(
            Index::create_in_dir(dir.path(), s).unwrap(),
            fields,
            &docs,
            &|_| (),
        )
        .unwrap();
        let index = Index::open_in_dir(dir.path()).unwrap();
        assert!(damaged_in_pieces(&index, dir.path(), 7).unwrap().is_empty());
        assert!(index.validate_checksum().unwrap().is_empty());

        let uuid = index.searchable_segment_metas().unwrap()[0]
            .id()
            .uuid_string();
        let mut checked = 0;
        for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
            let path = entry.path();
            if !entry.file_name().to_string_lossy().starts_with(&uuid) {
                continue;
            }
            let original = std::fs::read(&path).unwrap();
            // Inside the body: the footer (JSON, then 8 bytes) is at most a few hundred bytes.
            for at in [0, original.len() / 3, original.len().saturating_sub(300)] {
                let mut bytes = original.clone();
                bytes[at] = !bytes[at];
                std::fs::write(&path, &bytes).unwrap();
                let ours = damaged_in_pieces(&index, dir.path(), 7).unwrap();
                let theirs = index.validate_checksum();
                assert_eq!(ours, vec![path.clone()], "byte {at} of {}", path.display());
                if let Ok(theirs) = theirs {
                    assert!(theirs.contains(path.strip_prefix(dir.path()).unwrap()));
                }
            }
            std::fs::write(&path, &original).unwrap();
            checked += 1;
        }
        assert!(checked >= 5, "only {checked} segment files");
        assert!(damaged_in_pieces(&index, dir.path(), 7).unwrap().is_empty());
    }
}
