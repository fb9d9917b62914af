//! Tuning aid: sweeps ranking parameters on a BEIR split and prints one line per setting.
//! `cargo run --release --example sweep -- ../shared/eval/nfcorpus dev`
//! Use dev and train only; the numbers that go in the README come from `cairn eval`.

use cairn::corpus::synonyms;
use cairn::eval::run::run_beir;
use cairn::search::Ranking;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "../shared/eval/nfcorpus".into()),
    );
    let split = args.next().unwrap_or_else(|| "dev".into());
    let (syns, _) = synonyms::load(&PathBuf::from("corpus/synonyms.toml"));
    let mut rankings = vec![Ranking::bm25(), Ranking::standard()];
    for t in [1.25f32, 1.5, 2.0] {
        rankings.push(Ranking {
            name: format!("default title/summary x{t}"),
            title: t,
            summary: t,
            ..Ranking::standard()
        });
    }
    let encoder = std::env::var_os("CAIRN_MODEL")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .map(|d| {
            std::sync::Arc::new(cairn::search::semantic::Encoder::load(&d).expect("model loads"))
        });
    if dir.ends_with("golden") {
        let mut lib = cairn::Library::open(&cairn::LibraryConfig::new("corpus", None))?;
        let (qs, _) = cairn::corpus::golden::load(&PathBuf::from("corpus/golden.toml"))?;
        for r in cairn::eval::run::run_golden(&mut lib, &qs, &rankings)? {
            let s = r.summary;
            println!(
                "{:<40} {:.4} {:.4} {:.4} {:.4} {:.2}ms",
                r.ranking, s.ndcg10, s.recall10, s.recall100, s.mrr10, r.mean_ms
            );
        }
        return Ok(());
    }
    let collection = cairn::eval::load(&dir, &split)?;
    for r in run_beir(&collection, &syns, &rankings, encoder.clone())? {
        let s = r.summary;
        println!(
            "{:<40} {:.4} {:.4} {:.4} {:.4} {:.2}ms",
            r.ranking, s.ndcg10, s.recall10, s.recall100, s.mrr10, r.mean_ms
        );
    }
    Ok(())
}
