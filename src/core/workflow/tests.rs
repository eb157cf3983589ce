//! The values' checks, the YAML writer's quoting (read back by a real parser), the names found
//! in a repository's workflows, and what the options as a whole must hold (the sync shape's
//! among them).

use proptest::prelude::*;
use yaml_rust2::{Yaml, YamlLoader};

use super::render::{MARK, render};
use super::values::{
    AgentVersion, Central, ConfigPath, Cron, Dollars, GitUrl, Rev, RunnerLabel, ValueError,
    WorkflowName,
};
use super::watch::discover;
use super::yaml::{Map, Node, document, quoted, scalar};
use super::{Agent, Approval, Delivery, Install, Options, Shape, pins, shell, sync};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn install() -> Install {
    Install {
        source: GitUrl::parse("https://github.com/acme/fixloop").unwrap(),
        rev: Rev::parse(SHA).unwrap(),
    }
}

fn names(list: &[&str]) -> Vec<WorkflowName> {
    list.iter()
        .map(|n| WorkflowName::parse(n).unwrap())
        .collect()
}

/// `node` written under a key and read back by a YAML parser.
fn round_trip(node: Node) -> Yaml {
    let text = document(&[], &Map::new().with("value", node).with("after", "end"));
    let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(docs.len(), 1, "{text}");
    assert_eq!(docs[0]["after"].as_str(), Some("end"), "{text}");
    docs[0]["value"].clone()
}

const HOSTILE: &[&str] = &[
    "CI",
    "",
    " ",
    "yes",
    "No",
    "on",
    "null",
    "~",
    "1.0",
    "0x1F",
    "1e3",
    "2001-12-14",
    "12:30",
    ".inf",
    "-1",
    "+1",
    "a: b",
    "a #b",
    "#x",
    "- x",
    "? x",
    "[x]",
    "{x: y}",
    "&anchor",
    "*alias",
    "!tag",
    "%directive",
    "@at",
    "`tick",
    "|",
    ">",
    "'single'",
    "\"double\"",
    "back\\slash",
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "nul\0",
    "bell\u{7}",
    "del\u{7f}",
    "next\u{85}line",
    "sep\u{2028}arator",
    "rtl\u{202e}override",
    "bom\u{feff}",
    "x: y\nz: w",
    "\"\nkey: injected",
    "'\nkey: injected",
    "---",
    "...",
    "end with colon:",
    "trailing space ",
    " leading space",
    "${{ github.event.comment.body }}",
    "ünïcödé 日本語 🚀",
];

#[test]
fn every_hostile_string_reads_back_as_itself() {
    for text in HOSTILE {
        assert_eq!(
            round_trip(Node::str(*text)).as_str(),
            Some(*text),
            "{text:?} written as {}",
            scalar(text)
        );
        let seq = round_trip(Node::strs([*text, "second"]));
        assert_eq!(seq[0].as_str(), Some(*text), "{text:?} in a sequence");
        assert_eq!(seq[1].as_str(), Some("second"));
    }
}

#[test]
fn plain_only_when_safe_and_quoted_otherwise() {
    assert_eq!(scalar("ubuntu-latest"), "ubuntu-latest");
    assert_eq!(
        scalar("${{ github.token }}"),
        "${{ github.token }}",
        "expressions read as GitHub's examples write them"
    );
    assert_eq!(scalar("yes"), "\"yes\"");
    assert_eq!(scalar("2.1.332"), "\"2.1.332\"");
    assert_eq!(scalar("a: b"), "\"a: b\"");
    assert_eq!(quoted("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
    assert_eq!(quoted("\u{202e}"), r#""\u202E""#);
    assert_eq!(quoted("\u{1b}"), r#""\x1B""#);
}

#[test]
fn a_script_is_a_literal_block_and_a_hostile_one_is_quoted() {
    let script = "echo one\n  indented\n\necho 'two: three' # four\n";
    assert_eq!(
        round_trip(Node::Block(script.into())).as_str(),
        Some(script)
    );
    let text = document(&[], &Map::new().with("run", Node::Block(script.into())));
    assert!(text.starts_with("run: |\n  echo one\n"), "{text}");
    for hostile in [
        " leading",
        "no newline",
        "two\n\n",
        "cr\r\n",
        "trailing \n",
        "bom\u{feff}\n",
        "sep\u{2028}\n",
    ] {
        assert_eq!(
            round_trip(Node::Block(hostile.into())).as_str(),
            Some(hostile),
            "{hostile:?}"
        );
    }
}

#[test]
fn a_folded_expression_reads_back_joined_by_spaces() {
    let lines = vec!["!cancelled()".to_owned(), "&& x == 'y'".to_owned()];
    assert_eq!(
        round_trip(Node::Folded(lines)).as_str(),
        Some("!cancelled() && x == 'y'")
    );
    let hostile = vec!["#a".to_owned(), " b".to_owned()];
    assert_eq!(round_trip(Node::Folded(hostile)).as_str(), Some("#a  b"));
}

#[test]
fn empty_maps_and_comments_stay_in_place() {
    let mut map = Map::new().with("permissions", Map::new());
    map.comment("none\nkey: injected");
    map.push("jobs", Map::new().with("a", 1_u32));
    map.above(&["above\nb: 2"]);
    let text = document(&["header\nc: 3".to_owned()], &map);
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let doc = docs[0].as_hash().unwrap();
    assert_eq!(doc.len(), 2, "{text}");
    assert!(docs[0]["permissions"].as_hash().unwrap().is_empty());
    assert_eq!(docs[0]["jobs"]["a"].as_i64(), Some(1));
}

proptest! {
    #[test]
    fn any_string_reads_back_as_itself(text in any::<String>()) {
        let read = round_trip(Node::str(text.clone()));
        prop_assert_eq!(read.as_str(), Some(text.as_str()));
    }

    #[test]
    fn any_script_reads_back_as_itself(text in any::<String>()) {
        let read = round_trip(Node::Block(text.clone()));
        prop_assert_eq!(read.as_str(), Some(text.as_str()));
    }

    #[test]
    fn any_shell_word_is_one_quoted_word(text in "[^\u{0}]*") {
        let word = shell::quote(&text);
        // Either bare characters bash gives no meaning to, or one single-quoted string whose
        // quotes are all escaped.
        let bare = !word.is_empty()
            && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"_./:@+=,-".contains(&b));
        let quoted = word.starts_with('\'')
            && word.ends_with('\'')
            && word[1..word.len() - 1].replace(r"'\''", "").find('\'').is_none();
        prop_assert!(bare || quoted, "{word}");
    }
}

#[test]
fn every_action_is_pinned_to_a_full_commit() {
    for pin in [
        pins::CHECKOUT,
        pins::UPLOAD_ARTIFACT,
        pins::DOWNLOAD_ARTIFACT,
        pins::APP_TOKEN,
    ] {
        assert!(Rev::parse(pin.sha).is_ok(), "{pin:?}");
        assert!(pin.version.starts_with('v'), "{pin:?}");
        assert_eq!(pin.uses(), format!("{}@{}", pin.action, pin.sha));
    }
    for agent in Agent::ALL {
        assert!(AgentVersion::parse(pins::agent_version(agent)).is_ok());
    }
}

#[test]
fn a_workflow_name_is_one_line_of_visible_text_and_no_expression() {
    for good in [
        "CI",
        "Build & test",
        "O'Brien \"quick\" # checks: all",
        "-dash",
        "日本",
    ] {
        assert_eq!(WorkflowName::parse(good).unwrap().as_str(), good);
    }
    let refused = |text: &str| WorkflowName::parse(text).unwrap_err().0;
    assert!(refused("CI\non: push").contains("a line break"));
    assert!(refused("CI\r").contains("a line break"));
    assert!(refused("CI\u{7}").contains("a control character"));
    assert!(refused("CI\u{202e}").contains("invisible"));
    assert!(refused("CI\u{fffe}").contains("invisible"));
    assert!(refused("${{ github.event.comment.body }}").contains("expression"));
    assert!(refused(" CI").contains("space"));
    assert!(refused("").contains("empty"));
    assert!(refused(&"x".repeat(256)).contains("longer"));
}

#[test]
fn a_runner_label_is_a_plain_word() {
    for good in [
        "ubuntu-latest",
        "self-hosted",
        "arc-runner-set",
        "linux.x64",
        "gpu:a100",
    ] {
        assert!(RunnerLabel::parse(good).is_ok(), "{good}");
    }
    for bad in ["two words", "it's", "a\"b", "${{ x }}", "", "x\n"] {
        assert!(RunnerLabel::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn an_agent_version_is_exact() {
    for good in ["2.1.332", "0.171.0", "1.0.0-beta.2", "10.20.30"] {
        assert!(AgentVersion::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "latest",
        "^2.1.0",
        "~2.1.0",
        "2.1",
        "2.1.x",
        "01.2.3",
        "2.1.0 || 3",
        "@anthropic-ai/claude-code@2.1.332",
        "2.1.0-",
        "2.1.0-a..b",
        "",
    ] {
        let e = AgentVersion::parse(bad).unwrap_err();
        assert!(e.0.contains("exact version"), "{bad}: {e}");
    }
}

#[test]
fn a_rev_is_a_full_sha() {
    assert_eq!(Rev::parse(SHA).unwrap().as_str(), SHA);
    assert_eq!(
        Rev::parse(&SHA.to_uppercase()).unwrap().as_str(),
        SHA,
        "kept in lower case"
    );
    let short = Rev::parse("0123456").unwrap_err().0;
    assert!(short.contains("7 hex digits, not 40"), "{short}");
    let tag = Rev::parse("v1.2.3").unwrap_err().0;
    assert!(tag.contains("not a commit SHA"), "{tag}");
    assert!(Rev::parse(&format!("{SHA}0")).is_err());
    assert!(Rev::parse(&format!("{}g", &SHA[..39])).is_err());
}

#[test]
fn a_git_url_is_https_and_nothing_else() {
    for good in [
        "https://github.com/acme/fixloop",
        "https://github.com/acme/fixloop.git",
        "https://git.example.com:8443/tools/fix-loop",
    ] {
        assert!(GitUrl::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "http://github.com/acme/fixloop",
        "git@github.com:acme/fixloop",
        "https://github.com/",
        "https://github.com/acme/fix loop",
        "https://github.com/acme/$(id)",
        "https://github.com/acme/'x'",
        "https://github.com/acme/../x",
        "https://-bad/x",
        "https://host:port/x",
    ] {
        assert!(GitUrl::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn dollars_are_positive_with_at_most_two_decimals() {
    assert_eq!(Dollars::parse("10").unwrap().as_str(), "10");
    assert_eq!(Dollars::parse("$2.50").unwrap().as_str(), "2.50");
    assert_eq!(Dollars::parse("007").unwrap().as_str(), "7");
    assert_eq!(Dollars::parse("0.01").unwrap().as_str(), "0.01");
    for bad in [
        "0", "0.00", "-1", "1e3", "1.234", "1.", ".5", "abc", "", "1000000",
    ] {
        assert!(Dollars::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_central_workflow_is_pinned_by_commit() {
    let central = Central::parse(&format!("acme/ci-workflows@{SHA}")).unwrap();
    assert_eq!(
        central.uses(),
        format!("acme/ci-workflows/.github/workflows/fixloop.yml@{SHA}")
    );
    assert_eq!(central.to_string(), format!("acme/ci-workflows@{SHA}"));
    let custom = Central::parse(&format!("acme/ci/.github/workflows/fix-it.yaml@{SHA}")).unwrap();
    assert_eq!(
        custom.uses(),
        format!("acme/ci/.github/workflows/fix-it.yaml@{SHA}")
    );
    for bad in [
        "acme/ci".to_owned(),
        "acme/ci@main".to_owned(),
        "acme/ci@v1".to_owned(),
        format!("acme@{SHA}"),
        format!("acme/ci/other/fixloop.yml@{SHA}"),
        format!("acme/ci/.github/workflows/../x.yml@{SHA}"),
        format!("acme/../x@{SHA}"),
        format!("ac me/ci@{SHA}"),
    ] {
        assert!(Central::parse(&bad).is_err(), "{bad}");
    }
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect()
}

#[test]
fn watched_names_are_read_from_the_other_workflows() {
    let found = discover(&files(&[
        (
            ".github/workflows/a.yml",
            "name: CI # the main one\non: push\n",
        ),
        (
            ".github/workflows/b.yaml",
            "\"name\": 'O''Brien''s checks'\non: [push]\n",
        ),
        (
            ".github/workflows/c.yml",
            "name: \"Lint \\\"fast\\\" \\u00e9\"\non: push\n",
        ),
        (".github/workflows/d.yml", "on: push\njobs: {}\n"),
        (
            ".github/workflows/e.yml",
            "jobs:\n  x:\n    name: not the workflow's\non: push\n",
        ),
        (".github/workflows/f.yml", "name: CI\non: pull_request\n"),
    ]))
    .unwrap();
    let found: Vec<&str> = found.iter().map(WorkflowName::as_str).collect();
    assert_eq!(
        found,
        [
            "CI",
            "O'Brien's checks",
            "Lint \"fast\" é",
            ".github/workflows/d.yml",
            ".github/workflows/e.yml",
        ]
    );
}

#[test]
fn fixloops_own_and_reusable_workflows_are_not_watched() {
    let found = discover(&files(&[
        (
            ".github/workflows/fixloop.yml",
            "name: anything\non: push\n",
        ),
        (
            ".github/workflows/fixloop.yaml",
            "name: anything\non: push\n",
        ),
        (
            ".github/workflows/mine.yml",
            &format!("# {MARK}\nname: fixloop\n"),
        ),
        (
            ".github/workflows/old.yml",
            "name: old\njobs:\n  a:\n    steps:\n      - run: fixloop ci analyze\n",
        ),
        (
            ".github/workflows/lib.yml",
            "name: lib\non: workflow_call\n",
        ),
        (
            ".github/workflows/lib2.yml",
            "name: lib2\non:\n  workflow_call:\n    inputs: {}\n",
        ),
        (
            ".github/workflows/lib3.yml",
            "name: lib3\non: [workflow_call]\n",
        ),
        (
            ".github/workflows/both.yml",
            "name: both\non:\n  workflow_call: {}\n  push: {}\n",
        ),
    ]))
    .unwrap();
    let found: Vec<&str> = found.iter().map(WorkflowName::as_str).collect();
    assert_eq!(found, ["both"]);
}

#[test]
fn a_name_that_cannot_be_watched_names_its_file() {
    let injecting = discover(&files(&[(
        ".github/workflows/evil.yml",
        "name: \"CI\\n  evil: ${{ github.event.comment.body }}\"\non: push\n",
    )]))
    .unwrap_err();
    assert_eq!(
        injecting.file.as_deref(),
        Some(".github/workflows/evil.yml")
    );
    assert!(injecting.message.contains("line break"), "{injecting}");
    let expression = discover(&files(&[(
        ".github/workflows/x.yml",
        "name: Build ${{ github.ref }}\non: push\n",
    )]))
    .unwrap_err();
    assert!(expression.message.contains("expression"), "{expression}");
    let block = discover(&files(&[(
        ".github/workflows/y.yml",
        "name: >\n  CI\non: push\n",
    )]))
    .unwrap_err();
    assert!(block.message.contains("one-line"), "{block}");
    let open = discover(&files(&[(
        ".github/workflows/z.yml",
        "name: 'CI\n  more'\n",
    )]))
    .unwrap_err();
    assert!(open.message.contains("past its line"), "{open}");
    let none = discover(&files(&[(".github/workflows/fixloop.yml", "name: x\n")])).unwrap_err();
    assert!(none.file.is_none());
    assert!(none.message.contains("no workflow to watch"), "{none}");
}

#[test]
fn options_that_cannot_make_a_workflow_are_refused() {
    let empty = Options::new(install(), Vec::new());
    let ValueError(why) = render(&empty).unwrap_err();
    assert!(why.contains("--watch"), "{why}");
    let mut no_install = Options::new(install(), names(&["CI"]));
    no_install.install = None;
    let ValueError(why) = render(&no_install).unwrap_err();
    assert!(why.contains("--fixloop-rev"), "{why}");
    no_install.shape = Shape::Caller {
        watch: names(&["CI"]),
        central: Central::parse(&format!("acme/ci@{SHA}")).unwrap(),
    };
    assert!(
        render(&no_install).is_ok(),
        "a caller may leave it to the central workflow"
    );
    let mut slow = Options::new(install(), names(&["CI"]));
    slow.timeout_minutes = 0;
    assert!(render(&slow).is_err());
    slow.timeout_minutes = 60;
    slow.attempt_cap = 0;
    assert!(render(&slow).is_err());
    let mut reusable = Options::new(install(), Vec::new());
    reusable.shape = Shape::Reusable;
    assert!(
        render(&reusable).is_ok(),
        "a reusable workflow watches what callers say"
    );
}

#[test]
fn the_header_writes_the_command_again() {
    let mut options = Options::new(install(), names(&["CI", "Lint & test"]));
    options.max_cost = Some(Dollars::parse("12.50").unwrap());
    let text = render(&options).unwrap();
    let header: String = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .trim_end_matches('\\')
                .trim()
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        header.contains(&format!(
            "fixloop init github --force --watch CI --watch 'Lint & test' --max-cost 12.50 \
             --fixloop-source https://github.com/acme/fixloop --fixloop-rev {SHA}"
        )),
        "{header}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
}

#[test]
fn a_schedule_is_five_cron_fields_at_most_hourly() {
    assert_eq!(Cron::parse(Cron::DEFAULT).unwrap(), Cron::default());
    for (good, normal) in [
        ("17 3 * * *", "17 3 * * *"),
        ("0  4 * *   1", "0 4 * * 1"),
        ("5 */6 * * 1-5", "5 */6 * * 1-5"),
        ("30 2 1,15 * *", "30 2 1,15 * *"),
        ("0 0 * 1-12/3 0", "0 0 * 1-12/3 0"),
        ("59 23 31 12 6", "59 23 31 12 6"),
    ] {
        assert_eq!(Cron::parse(good).unwrap().as_str(), normal, "{good}");
    }
    let refused = |text: &str| Cron::parse(text).unwrap_err().0;
    assert!(refused("17 3 * *").contains("has 4 fields"));
    assert!(refused("17 3 * * * *").contains("has 6 fields"));
    assert!(refused("* 3 * * *").contains("at most once an hour"));
    assert!(refused("*/5 * * * *").contains("at most once an hour"));
    assert!(refused("0,30 3 * * *").contains("at most once an hour"));
    assert!(refused("60 3 * * *").contains("minute"));
    assert!(refused("07 3 * * *").contains("minute"));
    assert!(refused("0 24 * * *").contains("hour"));
    assert!(refused("0 3 0 * *").contains("day of the month"));
    assert!(refused("0 3 * 13 *").contains("month"));
    assert!(refused("0 3 * * 7").contains("day of the week"));
    assert!(refused("0 5-3 * * *").contains("hour"));
    assert!(
        refused("0 3/2 * * *").contains("hour"),
        "`a/n` is not taken"
    );
    assert!(refused("0 */0 * * *").contains("hour"));
    assert!(refused("0 3 * JAN *").contains("'J'"));
    assert!(refused("@daily").contains("has 1 fields"));
    assert!(refused("0 3 * * *\non: push").contains("'\\n'"));
    assert!(refused("0 3 ${{x}} * *").contains("'$'"));
}

#[test]
fn a_schedule_is_told_in_words() {
    assert_eq!(Cron::default().describe(), "every day at 03:17 UTC");
    assert_eq!(
        Cron::parse("5 23 * * *").unwrap().describe(),
        "every day at 23:05 UTC"
    );
    assert_eq!(
        Cron::parse("0 4 * * 1").unwrap().describe(),
        "on the schedule `0 4 * * 1` (UTC)"
    );
}

#[test]
fn a_config_path_is_relative_and_inside_the_repository() {
    assert_eq!(
        ConfigPath::parse(ConfigPath::DEFAULT).unwrap(),
        ConfigPath::default()
    );
    for good in [
        "fixloop.toml",
        "config/fixloop sync.toml",
        "-odd.toml",
        ".fixloop/it's.toml",
    ] {
        assert_eq!(ConfigPath::parse(good).unwrap().as_str(), good);
    }
    let refused = |text: &str| ConfigPath::parse(text).unwrap_err().0;
    assert!(refused("/etc/fixloop.toml").contains("not relative"));
    assert!(refused("~/fixloop.toml").contains("not relative"));
    assert!(refused("C:/fixloop.toml").contains("not relative"));
    assert!(refused("../fixloop.toml").contains("climbs out"));
    assert!(refused("a/../../fixloop.toml").contains("climbs out"));
    assert!(refused("config/").contains("folder"));
    assert!(refused("fix\nloop.toml").contains("line break"));
    assert!(refused("${{ github.event.x }}.toml").contains("expression"));
    assert!(refused("fix\u{202e}loop.toml").contains("invisible"));
    assert!(refused("").contains("empty"));
    assert!(refused(&"x".repeat(256)).contains("longer"));
}

fn sync_options() -> Options {
    let mut options = Options::new(install(), Vec::new());
    options.shape = Shape::Sync {
        schedule: Cron::default(),
        config: ConfigPath::default(),
    };
    options
}

#[test]
fn the_sync_workflow_takes_none_of_fixloop_ymls_own_options() {
    assert!(render(&sync_options()).is_ok(), "it watches nothing");
    let refused = |change: fn(&mut Options)| {
        let mut options = sync_options();
        change(&mut options);
        render(&options).unwrap_err().0
    };
    assert!(refused(|o| o.approval = Approval::Review).contains("--approval"));
    assert!(refused(|o| o.delivery = Delivery::Suggestion).contains("--delivery"));
    assert!(refused(|o| o.attempt_cap = 5).contains("--attempt-cap"));
    assert!(refused(|o| o.max_cost = Some(Dollars::parse("5").unwrap())).contains("--max-cost"));
    assert!(refused(|o| o.install = None).contains("--fixloop-rev"));
    assert!(refused(|o| o.timeout_minutes = 0).contains("timeout"));
}

#[test]
fn the_sync_header_writes_the_command_again_and_marks_it_as_fixloops() {
    let mut options = sync_options();
    options.shape = Shape::Sync {
        schedule: Cron::parse("0 4 * * 1").unwrap(),
        config: ConfigPath::parse("ci/fixloop.toml").unwrap(),
    };
    let text = render(&options).unwrap();
    let header: String = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .trim_end_matches('\\')
                .trim()
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        header.contains(&format!(
            "fixloop init github --force --sync --sync-cron '0 4 * * 1' --sync-config \
             ci/fixloop.toml --fixloop-source https://github.com/acme/fixloop --fixloop-rev {SHA}"
        )),
        "{header}"
    );
    assert!(header.contains(MARK), "{header}");
    assert!(header.contains("FIXLOOP_SYNC_TOKEN"), "{header}");
    let found = discover(&files(&[
        (sync::FILE, "name: anything\non: push\n"),
        (".github/workflows/nightly.yml", &text),
        (".github/workflows/ci.yml", "name: CI\non: push\n"),
    ]))
    .unwrap();
    let found: Vec<&str> = found.iter().map(WorkflowName::as_str).collect();
    assert_eq!(
        found,
        ["CI"],
        "the sync workflow is fixloop's own, by name or by its mark"
    );
}
