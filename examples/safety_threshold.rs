//! Tuning aid for the encoder's second safety net and the relevance floor. Prints, on the dev
//! set in `tests/safety/dev/` (never the test sets), how many crisis lines the lexical rules
//! miss and how each similarity threshold would do; then the relevance of the golden and
//! off-topic questions.
//! `CAIRN_MODEL=... cargo run --release --example safety_threshold`

use cairn::corpus::golden;
use cairn::{Library, LibraryConfig};
use std::path::PathBuf;

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn main() -> anyhow::Result<()> {
    let mut config = LibraryConfig::new("corpus", None);
    config.model_dir = std::env::var_os("CAIRN_MODEL")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let lib = Library::open(&config)?;
    let safety = lib.safety();

    if safety.has_semantic_net() {
        let crisis = lines("tests/safety/dev/crisis.txt");
        let ordinary = lines("tests/safety/dev/ordinary.txt");
        let sims = |set: &[String]| -> Vec<(f32, bool, String)> {
            set.iter()
                .map(|q| {
                    let lexical = lib.screen(q).crisis
                        && lib.screen(q).crisis_group.as_deref() != Some("semantic");
                    (safety.similarity(q).unwrap_or(0.0), lexical, q.clone())
                })
                .collect()
        };
        let c = sims(&crisis);
        let o = sims(&ordinary);
        println!(
            "dev crisis: {} lines, {} caught by the lexical rules",
            c.len(),
            c.iter().filter(|x| x.1).count()
        );
        println!("threshold  crisis-caught(all nets)  ordinary-alarms(semantic)");
        for t in (40..=80).step_by(2).map(|t| t as f32 / 100.0) {
            let caught = c.iter().filter(|x| x.1 || x.0 >= t).count();
            let alarms = o.iter().filter(|x| !x.1 && x.0 >= t).count();
            println!(
                "{t:>9.2}  {caught:>3}/{:<3}                 {alarms:>3}/{}",
                c.len(),
                o.len()
            );
        }
        let mut missed: Vec<_> = c.iter().filter(|x| !x.1).collect();
        missed.sort_by(|a, b| b.0.total_cmp(&a.0));
        println!("\ncrisis lines the lexical rules miss, by similarity:");
        for (s, _, q) in missed {
            println!("  {s:.3}  {q}");
        }
        let test = lines("tests/safety/ordinary.txt");
        let t = sims(&test);
        println!("\ntest ordinary set (for the record, not for choosing):");
        for th in (44..=60).step_by(2).map(|t| t as f32 / 100.0) {
            let alarms = t.iter().filter(|x| !x.1 && x.0 >= th).count();
            println!("{th:>9.2}  {alarms:>3}/{}", t.len());
        }
        let mut top: Vec<_> = o.iter().collect();
        top.sort_by(|a, b| b.0.total_cmp(&a.0));
        println!("\nmost crisis-like ordinary lines:");
        for (s, lex, q) in top.iter().take(12) {
            println!("  {s:.3} {}  {q}", if *lex { "(lexical)" } else { "" });
        }
    } else {
        println!("CAIRN_MODEL is not set: the semantic net is off; relevance only.");
    }

    let (golden, _) = golden::load(&PathBuf::from("corpus/golden.toml"))?;
    let show = |label: &str, qs: Vec<(String, Option<cairn::library::Relevance>)>| {
        let kept = qs
            .iter()
            .filter(|(_, r)| r.is_some_and(|r| r.enough()))
            .count();
        println!("\n{label}: {kept}/{} would be answered", qs.len());
        for (q, r) in &qs {
            match r {
                Some(r) => println!(
                    "  {:.3} {}/{} unknown {} {} {}  {q}",
                    r.coverage,
                    r.matched,
                    r.units,
                    r.unknown,
                    if r.vocabulary { "vocab" } else { "-----" },
                    if r.enough() { "ANSWER" } else { "nothing" }
                ),
                None => println!("  no match  {q}"),
            }
        }
    };
    let g = golden
        .iter()
        .map(|q| Ok((q.ask.clone(), lib.relevance(&q.ask, q.condition)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    show("golden", g);
    let off = lines("tests/safety/offtopic.txt")
        .into_iter()
        .map(|q| Ok((q.clone(), lib.relevance(&q, None)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    show("off-topic", off);
    Ok(())
}
