//! The on-disk index folder, in generations. Each build goes into a fresh `building-*` folder
//! and becomes `gen-*` by a rename only when complete; the file `current` names the generation
//! in use and is replaced atomically. Readers never see a half-built index, and builders take
//! an exclusive lock (`lock`) so that two processes never build at once: the second waits, then
//! finds the first one's generation. A process that has a generation open keeps reading it even
//! after a newer one replaces it (its files stay valid until closed).
//!
//! cairn only ever deletes what it can prove it created: the folder carries a marker file
//! (`cairn-index`) written when cairn created it, and only `gen-*`/`building-*` folders and
//! cairn's own files inside a marked folder are ever removed. A damaged generation (tantivy
//! panics on open, or its checksums do not match) is rebuilt, with one line in the log. On a
//! read-only mount, a matching generation is opened without any lock or write.

use super::{SearchError, SearchIndex};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The marker cairn writes into an index folder it creates.
pub const MARKER: &str = "cairn-index";
const MARKER_TEXT: &str =
    "This folder is a cairn search index. It is derived from the library and safe to delete.\n";
const CURRENT: &str = "current";
const LOCK: &str = "lock";
/// The fingerprint of the library an index was built from: inside each generation, and (in
/// the layout before generations) at the top of the folder.
pub(super) const STAMP: &str = "cairn-fingerprint";

/// How an index was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The existing index matched the library.
    Reused,
    /// It was missing or stale and was built now.
    Built,
    /// It was damaged and was built again.
    Repaired,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens the current generation in `root` if it was built with `fingerprint` (and is intact);
/// otherwise builds a new generation with `build` and switches to it. `force` always builds.
pub fn open_or_build(
    root: &Path,
    fingerprint: &str,
    force: bool,
    build: &dyn Fn(Option<&Path>) -> Result<SearchIndex, SearchError>,
) -> Result<(SearchIndex, Opened), SearchError> {
    let mut damaged = false;
    if !force {
        match open_current(root, fingerprint) {
            Current::Open(idx) => return Ok((idx, Opened::Reused)),
            Current::Damaged => damaged = true,
            Current::Missing => {}
        }
    }
    prepare(root)?;
    let _lock = match lock(root) {
        Ok(l) => l,
        Err(e) if read_only(&e) => {
            // A read-only folder without a usable generation: build in memory for this run.
            tracing::warn!(path = %root.display(), "the index folder is read-only and holds no index for this library; indexing in memory for this run");
            return Ok((build(None)?, Opened::Built));
        }
        Err(e) => return Err(io(root)(e)),
    };
    // Another process may have built it while this one waited for the lock.
    if !force {
        if let Current::Open(idx) = open_current(root, fingerprint) {
            return Ok((idx, Opened::Reused));
        }
    }
    if damaged {
        tracing::warn!(path = %root.display(), "the search index was damaged; rebuilding it");
    }
    let tag = unique_tag();
    let building = root.join(format!("building-{tag}"));
    fs::create_dir(&building).map_err(io(&building))?;
    drop(build(Some(&building))?);
    write_synced(&building.join(STAMP), fingerprint.as_bytes()).map_err(io(&building))?;
    sync_dir(&building).map_err(io(&building))?;
    let generation = format!("gen-{tag}");
    let gen_path = root.join(&generation);
    fs::rename(&building, &gen_path).map_err(io(&gen_path))?;
    let tmp = root.join(format!("{CURRENT}.{tag}.tmp"));
    write_synced(&tmp, generation.as_bytes()).map_err(io(&tmp))?;
    fs::rename(&tmp, root.join(CURRENT)).map_err(io(root))?;
    sync_dir(root).map_err(io(root))?;
    remove_old(root, &generation);
    // Read it back as every later run will (frozen, checked), from its final place.
    let idx = SearchIndex::open_checked(&gen_path)?;
    let opened = if damaged {
        Opened::Repaired
    } else {
        Opened::Built
    };
    Ok((idx, opened))
}

/// The name of the generation `current` points to, if any.
pub fn current_generation(root: &Path) -> Option<String> {
    let name = fs::read_to_string(root.join(CURRENT)).ok()?;
    let name = name.trim();
    (name.starts_with("gen-") && !name.contains(['/', '\\'])).then(|| name.to_string())
}

/// The fingerprint stamped in the current generation, if any.
pub fn current_stamp(root: &Path) -> Option<String> {
    fs::read_to_string(root.join(current_generation(root)?).join(STAMP)).ok()
}

enum Current {
    Open(SearchIndex),
    Damaged,
    Missing,
}

fn open_current(root: &Path, fingerprint: &str) -> Current {
    let Some(name) = current_generation(root) else {
        return Current::Missing;
    };
    let dir = root.join(name);
    if fs::read_to_string(dir.join(STAMP)).ok().as_deref() != Some(fingerprint) {
        return Current::Missing;
    }
    match SearchIndex::open_checked(&dir) {
        Ok(idx) => Current::Open(idx),
        Err(e) => {
            tracing::debug!(error = %e, "the current index generation cannot be used");
            Current::Damaged
        }
    }
}

/// Makes `root` a marked index folder: creates it (with the marker) when missing or empty;
/// accepts a marked folder or the previous layout (cleared of cairn's own files); refuses
/// anything else.
fn prepare(root: &Path) -> Result<(), SearchError> {
    match fs::symlink_metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(root).map_err(io(root))?;
        }
        Err(e) => return Err(io(root)(e)),
        Ok(m) if !m.is_dir() => return Err(SearchError::NotOurs(root.to_path_buf())),
        Ok(_) => {}
    }
    if root.join(MARKER).is_file() {
        return Ok(());
    }
    let entries: Vec<PathBuf> = fs::read_dir(root)
        .map_err(io(root))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(root))?;
    if !entries.is_empty() {
        // The layout before generations: an index in the folder itself, stamped by cairn.
        // Only its tantivy files and cairn's stamp are removed, nothing else.
        if !root.join(STAMP).is_file() {
            return Err(SearchError::NotOurs(root.to_path_buf()));
        }
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let tantivy_file = name == "meta.json"
                || name == ".managed.json"
                || name.starts_with(".tantivy-")
                || name.ends_with(".idx")
                || name.ends_with(".pos")
                || name.ends_with(".term")
                || name.ends_with(".store")
                || name.ends_with(".fast")
                || name.ends_with(".fieldnorm")
                || name.ends_with(".del");
            if (tantivy_file || name == STAMP) && p.is_file() {
                fs::remove_file(&p).map_err(io(&p))?;
            }
        }
    }
    write_synced(&root.join(MARKER), MARKER_TEXT.as_bytes()).map_err(io(root))
}

/// Removes the generations and unfinished builds other than `keep` (the lock is held, so no
/// build is in progress). A process still reading an old generation keeps its open files.
fn remove_old(root: &Path, keep: &str) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let ours = name.starts_with("gen-") || name.starts_with("building-");
        let tmp = name.starts_with("current.") && name.ends_with(".tmp");
        if name == keep || !(ours || tmp) {
            continue;
        }
        let p = e.path();
        let result = if tmp {
            fs::remove_file(&p)
        } else {
            fs::remove_dir_all(&p)
        };
        if let Err(err) = result {
            tracing::debug!(path = %p.display(), error = %err, "could not remove an old index generation");
        }
    }
}

/// An exclusive lock on the folder for building, released when dropped (or when the process
/// dies: the kernel drops it).
struct Lock(#[allow(dead_code)] File);

fn lock(root: &Path) -> std::io::Result<Lock> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(root.join(LOCK))?;
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a file descriptor this function owns; no memory is involved.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(Lock(file))
}

fn read_only(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::PermissionDenied
        || e.kind() == std::io::ErrorKind::ReadOnlyFilesystem
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Makes a rename or a new file in `dir` durable (directories can be synced on Unix only).
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// A name no other build uses: the process id, the time and a counter.
fn unique_tag() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:x}-{}-{}",
        nanos,
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}
