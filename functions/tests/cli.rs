//! The `falsafa` binary as a user runs it: extraction quality on LitBank, the dev commands
//! standing in for the frontend, `demo --json` and `bench retrieval` on the embedded default.

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_falsafa");

fn repo(path: &str) -> String {
    format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], data_dir: &std::path::Path) -> Value {
    json_of(
        Command::new(BIN)
            .args(args)
            .env("FALSAFA_DATA_DIR", data_dir),
    )
}

/// Runs `cmd`, which must succeed, and parses the one JSON object it prints.
fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("run falsafa");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Runs an evaluation script from `scripts/` on a LitBank folder with `falsafa extract --json`
/// (plus `extra` flags) and returns the fields of its summary line.
fn litbank_eval(script: &str, data: &str, extra: &[&str]) -> impl Fn(&str) -> f64 {
    let out = Command::new("python3")
        .arg(repo(script))
        .args(["--data", &repo(data), "--", BIN, "extract", "--json"])
        .args(extra)
        .output()
        .expect("python3 must be installed to run the extraction evaluation");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default().to_string();
    move |k: &str| -> f64 {
        last.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {k} in {last:?}: {stdout}"))
    }
}

/// The targets on the 22 annotated LitBank texts: characters at precision 0.85 and
/// recall 0.80 or more.
#[test]
fn extraction_quality_on_litbank_meets_the_target() {
    let field = litbank_eval("scripts/extraction-eval", "data/litbank-dev", &[]);
    let (p, r) = (field("precision"), field("recall"));
    assert!(field("texts") >= 22.0);
    assert!(p >= 0.85, "precision {p} below 0.85");
    assert!(r >= 0.80, "recall {r} below 0.80");
}

/// Who said what on the same texts: the persona's quotes are the speaker's at 0.90 or more,
/// and so are at least 80% of all attributed quotations.
#[test]
fn quote_attribution_on_litbank_meets_the_target() {
    let field = litbank_eval("scripts/quote-eval", "data/litbank-dev-quotes", &[]);
    assert!(field("texts") >= 19.0);
    assert!(field("matched") >= 30.0, "too few quotes scored");
    let p = field("quote_precision");
    assert!(p >= 0.90, "persona quote precision {p} below 0.90");
    let all = litbank_eval(
        "scripts/quote-eval",
        "data/litbank-dev-quotes",
        &["--all-quotes"],
    );
    assert!(
        all("matched") > field("matched"),
        "--all-quotes adds quotations"
    );
    let p = all("quote_precision");
    assert!(p >= 0.80, "all-quote precision {p} below 0.80");
}

/// `extract --all-quotes` on a whole novel: every attributed quotation with byte offsets into
/// the file as given (front matter included) and a confidence; the persona's quotes are the
/// surest of them.
#[test]
fn all_quotes_point_into_the_file_with_confidences() {
    let path = repo("data/books/174_the_picture_of_dorian_gray.txt");
    let text = std::fs::read_to_string(&path).expect("novel");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(
        &["extract", &path, "--json", "--all-quotes", "--limit", "10"],
        dir.path(),
    );
    let chars = out.as_array().expect("list");
    let mut seen = 0;
    for c in chars {
        let all = c["all_quotes"].as_array().expect("all_quotes");
        for q in all {
            let (start, end) = (
                q["start"].as_u64().unwrap() as usize,
                q["end"].as_u64().unwrap() as usize,
            );
            let words: Vec<&str> = text[start..end].split_whitespace().collect();
            assert_eq!(words.join(" "), q["text"].as_str().unwrap(), "{q}");
            let conf = q["confidence"].as_f64().unwrap();
            assert!(conf > 0.0 && conf <= 1.0, "{q}");
            seen += 1;
        }
        for p in c["quotes"].as_array().expect("quotes") {
            let q = all
                .iter()
                .find(|q| q["text"] == *p)
                .expect("persona quote among all");
            assert!(q["confidence"].as_f64().unwrap() >= 0.9, "{q}");
        }
    }
    assert!(seen > 200, "{seen} quotations attributed");
    // the protagonist speaks, and the persona gets a dozen of his surest lines
    assert!(
        chars[0]["quotes"].as_array().unwrap().len() >= 5,
        "{}",
        chars[0]
    );
}

#[test]
fn a_file_that_is_not_utf8_is_refused_with_how_to_convert_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.txt");
    // "Ren\xe9e said no." in Latin-1
    std::fs::write(&path, b"\"No,\" said Ren\xe9e.\n").unwrap();
    let out = Command::new(BIN)
        .args(["extract", path.to_str().unwrap(), "--json"])
        .env("FALSAFA_DATA_DIR", dir.path())
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not UTF-8 text (from byte offset 14)"),
        "{err}"
    );
    assert!(err.contains("iconv -f windows-1252"), "{err}");
    assert!(out.stdout.is_empty(), "no partial output");
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_output_quietly() {
    // `falsafa extract … | head -c 1`: the reader goes away before the JSON is written out
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["extract", &repo("data/books/persuasion.txt"), "--json"])
        .env("FALSAFA_DATA_DIR", dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{:?} {err}", out.status);
}

#[test]
fn dev_commands_stand_in_for_the_frontend() {
    let dir = tempfile::tempdir().unwrap();
    let book_file = repo("data/books/174_the_picture_of_dorian_gray.txt");
    let book = run(
        &["book", "add", &book_file, "--title", "Dorian", "--json"],
        dir.path(),
    );
    let id = book["id"].as_str().expect("id").to_string();
    assert_eq!(book["processing_status"], "pending");
    assert_eq!(book["title"], "Dorian");
    let shown = run(&["book", "show", &id, "--json"], dir.path());
    assert_eq!(shown["id"], book["id"]);
    assert_eq!(shown["characters"], Value::Array(vec![]));
    let user = "6a2f41a3-c54c-4c8a-9a3d-4f1f2f0e9b11";
    // a session needs a character: ingest through the library, then open one
    let out = Command::new(BIN)
        .args([
            "session",
            "new",
            "--book",
            &id,
            "--character",
            "00000000-0000-0000-0000-000000000001",
            "--user",
            user,
            "--json",
        ])
        .env("FALSAFA_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a session for a missing character must be refused"
    );
}

#[test]
fn demo_json_lists_characters_and_a_streamed_reply() {
    let v = json_of(
        Command::new(BIN)
            .args(["demo", "--json"])
            .env_remove("FALSAFA_DATA_DIR")
            .env_remove("EMBEDDING_PROVIDER")
            .env("EMBEDDING_MODEL_PATH", minilm()),
    );
    let names: Vec<&str> = v["characters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    assert_eq!(names[0], "Dorian Gray");
    assert!(
        names.contains(&"Henry Wotton") && names.contains(&"Basil Hallward"),
        "{names:?}"
    );
    assert!(v["reply"].as_str().unwrap().len() > 20);
    assert_eq!(v["done"]["done"], Value::Bool(true));
    assert!(Value::as_str(&v["book_id"]).is_some());
    assert!(v["timings_ms"]["ingest"].as_f64().unwrap() > 0.0);
    // the model's weights are here, so the in-process embedder served, and the demo says so
    assert_eq!(v["embedder"]["provider"], "local", "{}", v["embedder"]);
    assert_eq!(v["embedder"]["dimension"], 384);
}

/// The in-process embedder's weights (unpacked by `scripts/services.sh`); the tests that use
/// them fail when they are missing.
fn minilm() -> String {
    let dir = std::env::var("EMBEDDING_MODEL_PATH")
        .unwrap_or_else(|_| "/tmp/falsafa-services/models/all-MiniLM-L6-v2".into());
    assert!(
        std::path::Path::new(&dir)
            .join("model.safetensors")
            .is_file(),
        "no all-MiniLM-L6-v2 weights in {dir}: run scripts/services.sh"
    );
    dir
}

/// Retrieval on the embedded default (in-process all-MiniLM-L6-v2, tantivy, file-backed
/// vectors) over the dev set in `data/retrieval/novels.jsonl` (60 questions, three novels):
/// hybrid at 5 and 10 meet the targets, and the report names what it ran on.
#[test]
fn retrieval_on_the_embedded_default_meets_the_dev_target() {
    let dir = tempfile::tempdir().unwrap();
    let v = json_of(
        Command::new(BIN)
            .args([
                "bench",
                "retrieval",
                "--json",
                "--questions",
                &repo("data/retrieval/novels.jsonl"),
                "--books",
                &repo("data/books"),
            ])
            .env("FALSAFA_DATA_DIR", dir.path())
            .env("EMBEDDING_MODEL_PATH", minilm())
            .env_remove("EMBEDDING_PROVIDER"),
    );
    assert_eq!(v["questions"], 60, "{v}");
    assert_eq!(v["embedder"]["provider"], "local", "{v}");
    assert_eq!(
        v["embedder"]["model"],
        "sentence-transformers/all-MiniLM-L6-v2"
    );
    assert_eq!(v["stores"]["vectors"], "file-backed (embedded)");
    assert_eq!(v["stores"]["lexical"], "tantivy (embedded)");
    for way in ["vector", "bm25", "hybrid", "reranked"] {
        let at = |k: &str| v[way][k].as_f64().unwrap_or(-1.0);
        assert!(
            0.0 <= at("top1") && at("top1") <= at("top5") && at("top5") <= at("top10"),
            "{way}: {v}"
        );
    }
    let hybrid = |k: &str| v["hybrid"][k].as_f64().unwrap();
    assert!(
        hybrid("top5") >= 0.40,
        "hybrid top-5 {}: {v}",
        hybrid("top5")
    );
    assert!(
        hybrid("top10") >= 0.55,
        "hybrid top-10 {}: {v}",
        hybrid("top10")
    );
    assert!(v["indexing"]["chunks_per_s"].as_f64().unwrap() > 0.0);
    assert!(v["query_embed_ms"]["p50"].as_f64().unwrap() > 0.0);
}

/// Kills the child process when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The same model through the OpenAI-compatible adapter (`falsafa serve-embeddings` speaking
/// `/v1/embeddings`, `EMBEDDING_PROVIDER=openai`) retrieves exactly what the in-process embedder
/// does: one code path, the same figures. One book's questions keep it short.
#[test]
fn the_same_model_behind_the_openai_adapter_gives_the_same_figures() {
    use std::io::BufRead;
    let model = minilm();
    let mut server = Child(
        Command::new(BIN)
            .args(["serve-embeddings", "--addr", "127.0.0.1:0"])
            .env("EMBEDDING_MODEL_PATH", &model)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("serve-embeddings"),
    );
    let mut line = String::new();
    std::io::BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches("/embeddings")
        .to_string();

    let dir = tempfile::tempdir().unwrap();
    let questions = dir.path().join("alice.jsonl");
    let all = std::fs::read_to_string(repo("data/retrieval/novels.jsonl")).unwrap();
    let alice: Vec<&str> = all
        .lines()
        .filter(|l| l.contains("alices_adventures_in_wonderland"))
        .collect();
    assert!(alice.len() >= 15);
    std::fs::write(&questions, alice.join("\n")).unwrap();
    let bench = |env: &[(&str, &str)]| -> Value {
        let data = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args([
            "bench",
            "retrieval",
            "--json",
            "--books",
            &repo("data/books"),
        ])
        .arg("--questions")
        .arg(&questions)
        .env("FALSAFA_DATA_DIR", data.path())
        .env_remove("EMBEDDING_PROVIDER");
        for (k, v) in env {
            cmd.env(k, v);
        }
        json_of(&mut cmd)
    };
    let local = bench(&[("EMBEDDING_MODEL_PATH", &model)]);
    let remote = bench(&[
        ("EMBEDDING_PROVIDER", "openai"),
        ("EMBEDDING_BASE_URL", &url),
        ("EMBEDDING_DIMENSION", "384"),
        ("EMBEDDING_MODEL", "sentence-transformers/all-MiniLM-L6-v2"),
    ]);
    assert_eq!(local["embedder"]["provider"], "local");
    assert_eq!(remote["embedder"]["provider"], "openai");
    for way in ["vector", "bm25", "hybrid", "reranked"] {
        assert_eq!(local[way], remote[way], "{way}: {local} vs {remote}");
    }
    assert!(local["vector"]["top10"].as_f64().unwrap() > 0.0, "{local}");
}
