//! Tests of the shell reader, the table loader and the planner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::*;
use crate::catalog::PackageManager;
use crate::vfs::{Fs, Kind, Node, Origin};

/// A stage to plan RUNs in.
struct Stage {
    fs: Fs,
    env: BTreeMap<String, String>,
    user: String,
    pm: PackageManager,
    mounts: Vec<String>,
    workdir: String,
}

impl Stage {
    fn new() -> Self {
        Stage {
            fs: Fs::new(),
            env: BTreeMap::new(),
            user: "root".to_string(),
            pm: PackageManager::Apt,
            mounts: Vec::new(),
            workdir: "/".to_string(),
        }
    }

    fn workdir(mut self, w: &str) -> Self {
        self.workdir = w.to_string();
        self.dir(w)
    }

    fn env(mut self, k: &str, v: &str) -> Self {
        self.env.insert(k.to_string(), v.to_string());
        self
    }

    fn user(mut self, u: &str) -> Self {
        self.user = u.to_string();
        self
    }

    fn pm(mut self, pm: PackageManager) -> Self {
        self.pm = pm;
        self
    }

    fn mount(mut self, m: &str) -> Self {
        self.mounts.push(m.to_string());
        self
    }

    fn file(mut self, path: &str, bytes: u64) -> Self {
        self.fs
            .insert(path, Node::new(Kind::File, bytes, Origin::Context));
        self
    }

    fn dir(mut self, path: &str) -> Self {
        if path != "/" {
            self.fs
                .insert(path, Node::new(Kind::Dir, 0, Origin::Context));
        }
        self
    }

    fn owned_dir(mut self, path: &str, owner: &str) -> Self {
        let mut node = Node::new(Kind::Dir, 0, Origin::Context);
        node.owner = owner.to_string();
        self.fs.insert(path, node);
        self
    }

    fn tree(mut self, path: &str, bytes: u64) -> Self {
        self.fs
            .insert(path, Node::new(Kind::Tree, bytes, Origin::Run));
        self
    }

    fn ctx(&self) -> RunContext<'_> {
        RunContext {
            workdir: &self.workdir,
            env: &self.env,
            user: &self.user,
            package_manager: self.pm,
            fs: &self.fs,
            mounts: &self.mounts,
        }
    }

    fn plan(&self, script: &str) -> RunPlan {
        plan_run(script, &self.ctx())
    }
}

/// One line per effect, for readable assertions.
fn lines(plan: &RunPlan) -> Vec<String> {
    plan.effects
        .iter()
        .map(|e| match e {
            Effect::Add {
                path, kind, bytes, ..
            } => format!("add {path} {kind:?} {bytes}"),
            Effect::Remove { path } => format!("rm {path}"),
            Effect::Chown {
                path,
                owner,
                recursive,
            } => format!("chown {path} {owner} {recursive}"),
            Effect::Chmod {
                path,
                mode,
                recursive,
            } => format!("chmod {path} {mode:?} {recursive}"),
            Effect::Move { from, to } => format!("mv {from} {to}"),
            Effect::Copy { from, to } => format!("cp {from} {to}"),
            Effect::Symlink { target, path } => format!("ln {target} {path}"),
        })
        .collect()
}

/// Applies a plan the way the build engine does, to check what a RUN leaves behind.
fn apply(fs: &Fs, plan: &RunPlan) -> Fs {
    let mut fs = fs.clone();
    for effect in &plan.effects {
        match effect {
            Effect::Add {
                path, kind, bytes, ..
            } => fs.insert(path, Node::new(*kind, *bytes, Origin::Run)),
            Effect::Remove { path } => {
                let name = path.rsplit('/').next().unwrap_or_default();
                if name.contains(['*', '?', '[']) {
                    let dir = crate::vfs::parent(path).to_string();
                    let doomed: Vec<String> = fs
                        .under(&dir)
                        .filter(|(p, _)| {
                            crate::vfs::parent(p) == dir
                                && stagecraft_analysis::dockerignore::glob(
                                    name,
                                    p.rsplit('/').next().unwrap_or_default(),
                                )
                        })
                        .map(|(p, _)| p.clone())
                        .collect();
                    for p in doomed {
                        fs.remove(&p);
                    }
                } else {
                    fs.remove(path);
                }
            }
            Effect::Chown {
                path,
                owner,
                recursive,
            } => fs.update_under(path, |p, n| {
                if *recursive || p == path {
                    n.owner = owner.clone();
                }
            }),
            Effect::Chmod {
                path,
                mode,
                recursive,
            } => fs.update_under(path, |p, n| {
                if let (true, Some(m)) = (*recursive || p == path, mode) {
                    n.mode = *m;
                }
            }),
            Effect::Move { from, to } | Effect::Copy { from, to } => {
                let moved: Vec<(String, Node)> = fs
                    .under(from)
                    .map(|(p, n)| (p.clone(), n.clone()))
                    .collect();
                if matches!(effect, Effect::Move { .. }) {
                    fs.remove(from);
                }
                for (p, n) in moved {
                    let rel = p.strip_prefix(from.as_str()).unwrap_or_default();
                    fs.insert(&format!("{to}{rel}"), n);
                }
            }
            Effect::Symlink { target, path } => {
                let mut n = Node::new(Kind::Symlink, 0, Origin::Run);
                n.target = Some(target.clone());
                fs.insert(path, n);
            }
        }
    }
    fs
}

fn mb(id: &str) -> u64 {
    recipes()
        .artifact(id)
        .map(|a| a.uncompressed_bytes)
        .unwrap()
}

fn has(plan: &RunPlan, line: &str) -> bool {
    lines(plan).iter().any(|l| l == line)
}

fn has_prefix(plan: &RunPlan, prefix: &str) -> bool {
    lines(plan).iter().any(|l| l.starts_with(prefix))
}

fn added(plan: &RunPlan, path: &str) -> Option<u64> {
    plan.effects.iter().rev().find_map(|e| match e {
        Effect::Add { path: p, bytes, .. } if p == path => Some(*bytes),
        _ => None,
    })
}

fn what(plan: &RunPlan, path: &str) -> String {
    plan.effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::Add { path: p, what, .. } if p == path => Some(what.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Splitting

fn programs(script: &str) -> Vec<String> {
    split_commands(script)
        .into_iter()
        .map(|c| c.program)
        .collect()
}

#[test]
fn split_respects_quotes_substitutions_and_escapes() {
    let script =
        r#"echo "a && b" && ls 'c;d' | grep x; echo $(cd /x && pwd) `a || b` \&\& y || true"#;
    assert_eq!(programs(script), ["echo", "ls", "grep", "echo", "true"]);
    let cmds = split_commands(script);
    assert_eq!(cmds[0].args, ["a && b"]);
    assert_eq!(cmds[1].args, ["c;d"]);
    assert_eq!(cmds[3].args, ["$(cd /x && pwd)", "`a || b`", "&&", "y"]);
    // Newlines separate commands; `&` runs in the background but is still a command.
    assert_eq!(programs("a\nb & c;;d"), ["a", "b", "c", "d"]);
}

#[test]
fn split_ranges_point_into_the_script() {
    let script = "apt-get update &&   apt-get install -y curl ; sh -c 'mkdir -p /x && touch /x/y'";
    let cmds = split_commands(script);
    for c in &cmds {
        assert_eq!(&script[c.start..c.end], c.text);
    }
    let texts: Vec<&str> = cmds.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "apt-get update",
            "apt-get install -y curl",
            "mkdir -p /x",
            "touch /x/y"
        ]
    );
    // A `sh -c` string that does not map byte for byte gets the whole `sh -c` range.
    let escaped = r#"sh -c "echo \"hi\" && ls""#;
    let cmds = split_commands(escaped);
    assert_eq!(cmds.len(), 2);
    assert!(cmds.iter().all(|c| c.start == 0 && c.end == escaped.len()));
}

#[test]
fn split_strips_wrappers_keywords_and_set() {
    let script = "set -eux; FOO=1 BAR=\"a b\" sudo -u app -E env X=1 exec nohup time make all; \
                  if [ -f x ]; then bash -ec 'npm ci'; else yarn; fi; \
                  for f in a b; do touch $f; done; while read l; do echo $l; done < list; { cd /; }";
    assert_eq!(
        programs(script),
        ["make", "[", "npm", "yarn", "touch", "read", "echo", "cd"]
    );
    assert_eq!(split_commands("command -v git")[0].program, "command");
    assert_eq!(split_commands("env")[0].program, "env");
}

#[test]
fn heredoc_bodies_and_comments_are_not_commands() {
    let script = "cat <<EOF > /etc/x.conf\nrm -rf /\nEOF\n# rm -rf /\necho done # && rm -rf /";
    assert_eq!(programs(script), ["cat", "echo"]);
    let plan = Stage::new().plan(script);
    assert_eq!(added(&plan, "/etc/x.conf"), Some("rm -rf /\n".len() as u64));
    assert!(!plan
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Remove { .. })));
}

#[test]
fn hostile_input_returns_promptly_and_never_panics() {
    let start = std::time::Instant::now();
    let s = Stage::new().workdir("/app");
    let many = "touch a && ".repeat(10_000) + "true";
    let plan = s.plan(&many);
    assert_eq!(plan.commands.len(), 10_001);
    let long = format!("echo {} > /x", "é".repeat(500_000));
    assert_eq!(s.plan(&long).effects.len(), 1);
    let mkdirs = "mkdir -p ".to_string()
        + &(0..30_000)
            .map(|i| format!("/d{i}"))
            .collect::<Vec<_>>()
            .join(" ");
    let plan = s.plan(&mkdirs);
    assert_eq!(plan.effects.len(), 20_000);
    assert!(plan
        .unverifiable
        .iter()
        .any(|u| u.contains("only the first")));
    for junk in [
        "'".repeat(100_001),
        "$(".repeat(50_000),
        "\"$(`'".repeat(30_000),
        "${".repeat(40_000),
        "(".repeat(50_000) + "cd /x && touch y" + &")".repeat(60_000),
        "sh -c \"".repeat(1_000),
        "<<".repeat(20_000),
        "\\".repeat(10_001),
        "rm -rf ".to_string() + &"/a*/b*/[c-*/d* ".repeat(20_000),
        "case x in a) A=1;; esac; ".repeat(5_000) + "case",
        "a=\u{0}; \u{ffff} \u{7f}é|é&&é; -é -\u{301} --=é".repeat(1_000),
        "x=$((1+2)) ${#x} ${x%%.*} ${x:-${y:-z}} $@ $? $$ $1 cd ~ && chmod -R u+rwX,go-w,a=r ~/x"
            .to_string(),
    ] {
        let plan = s.plan(&junk);
        assert!(plan.effects.len() <= 20_000);
        let _ = split_commands(&junk);
        let _ = plan_exec(&[junk.clone(), junk.clone()], &s.ctx());
    }
    assert!(
        start.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// The table

#[test]
fn builtin_table_loads_with_unique_ids_and_the_shared_artifacts() {
    let artifacts = table::parse_artifacts(ARTIFACTS_JSON).unwrap();
    let table = table::parse_table(RECIPES_JSON, artifacts, None).unwrap();
    assert!(table.len() > 80, "{} recipes", table.len());
    assert_eq!(recipes().len(), table.len());
    let mut ids: Vec<&str> = table.recipe_ids().collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "recipe ids are unique");
    assert_eq!(table.artifacts().count(), 27);
    assert_eq!(mb("apt.lists"), 26_820_000);
    assert_eq!(mb("react.build_output"), 1_350_000);
    let go = table.artifact("go.toolchain").unwrap();
    assert_eq!(
        (go.compressed_bytes, go.confidence.as_str()),
        (Some(69_360_000), "measured")
    );
    assert!(table.doc.contains("PLACEHOLDERS"));
}

fn load_err(json: &str) -> String {
    recipe_table_from_json(json)
        .err()
        .unwrap_or_else(|| panic!("loaded: {json}"))
}

#[test]
fn malformed_tables_say_where() {
    let recipe = |body: &str| {
        format!(r#"{{"doc": "t", "recipes": [{{"id": "ok", "program": "x"}}, {body}]}}"#)
    };
    let cases = [
        (
            recipe(r#"{"id": "a", "program": "x", "efects": []}"#),
            "recipes[1] (a): unknown field `efects`",
        ),
        (
            recipe(r#"{"program": "x"}"#),
            "recipes[1]: missing field `id`",
        ),
        (
            recipe(r#"{"id": "a"}"#),
            "recipes[1] (a): missing field `program`",
        ),
        (
            recipe(r#"{"id": "a", "program": "x", "needs_root": "yes"}"#),
            "recipes[1] (a).needs_root: expected true or false",
        ),
        (
            recipe(
                r#"{"id": "a", "program": "x", "effects": [{"remove": "/x"}, {"add": "/y", "kind": "file", "size": {"artifact": "nope"}}]}"#,
            ),
            "recipes[1] (a).effects[1].size: unknown artifact `nope`",
        ),
        (
            recipe(
                r#"{"id": "a", "program": "x", "effects": [{"add": "{wrkdir}/y", "kind": "dir"}]}"#,
            ),
            "recipes[1] (a).effects[0].add: unknown placeholder `{wrkdir}`",
        ),
        (
            recipe(r#"{"id": "a", "program": "x", "effects": [{"add": "/y", "remove": "/z"}]}"#),
            "recipes[1] (a).effects[0]: more than one action",
        ),
        (
            recipe(
                r#"{"id": "a", "program": "x", "effects": [{"first_of": [{"add": "/y", "kind": "tree"}]}]}"#,
            ),
            "recipes[1] (a).effects[0].first_of[0]: missing field `size`",
        ),
        (
            recipe(r#"{"id": "a", "program": "x", "effects": [{"install": "pacman"}]}"#),
            "recipes[1] (a).effects[0]: unknown package set `pacman`",
        ),
        (
            recipe(r#"{"id": "a", "program": "x", "effects_of": "zzz"}"#),
            "recipes[1] (a).effects_of: no earlier recipe `zzz`",
        ),
        (
            recipe(
                r#"{"id": "a", "program": "x", "effects": [{"add": "/y", "kind": "file", "size": {"mb": -1}}]}"#,
            ),
            "recipes[1] (a).effects[0].size.mb",
        ),
        (r#"{"doc": "t"}"#.to_string(), "missing field `recipes`"),
        (
            r#"{"doc": "t", "recipes": [], "extends": "other"}"#.to_string(),
            "extends: unknown table `other`",
        ),
        (r#"{"recipes": []}"#.to_string(), "missing field `doc`"),
        ("[1, 2".to_string(), "invalid JSON"),
        (
            r#"{"doc": "t", "recipes": [], "packages": {"brew": {"default": {"path": "/x"}}}}"#
                .to_string(),
            "packages.brew.default: needs `size` and `path`",
        ),
    ];
    for (json, want) in cases {
        let err = load_err(&json);
        assert!(err.contains(want), "{json}\n  gave: {err}\n  want: {want}");
    }
}

#[test]
fn teacher_tables_extend_or_replace_the_builtin() {
    let json = r#"{
        "doc": "Our course's build tool.",
        "extends": "builtin",
        "artifacts": [{"id": "course.bundle", "artifact": "bundle", "uncompressed_mb": 3}],
        "recipes": [
            {"id": "coursetool build", "program": "coursetool", "subcommand": ["build"], "value_flags": ["--out"],
             "effects": [{"add": ["{flag:--out}", "{workdir}/out"], "kind": "tree", "size": {"artifact": "course.bundle"}, "what": "course bundle"}]},
            {"id": "my apt-get update", "program": "apt-get", "subcommand": ["update"], "effects": []}
        ]}"#;
    let table = recipe_table_from_json(json).unwrap();
    assert_eq!(table.len(), recipes().len() + 2);
    let s = Stage::new().workdir("/app");
    let plan = plan_run_with(
        &table,
        "coursetool build && coursetool build --out=/srv && apt-get update && apt-get clean",
        &s.ctx(),
    );
    assert_eq!(added(&plan, "/app/out"), Some(3_000_000));
    assert_eq!(added(&plan, "/srv"), Some(3_000_000));
    assert_eq!(what(&plan, "/srv"), "course bundle");
    // Theirs come first and win; the built-in ones still apply.
    assert_eq!(added(&plan, "/var/lib/apt/lists"), None);
    assert!(has(&plan, "rm /var/cache/apt/archives/*.deb"));
    let alone = recipe_table_from_json(
        r#"{"doc": "just one", "recipes": [{"id": "t", "program": "touch", "effects": []}]}"#,
    )
    .unwrap();
    let plan = plan_run_with(&alone, "touch /x && apt-get update", &s.ctx());
    assert!(plan.effects.is_empty());
    assert_eq!(plan.unknown.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Package managers

#[test]
fn apt_update_install_and_cleanup_in_one_layer_leave_no_lists() {
    let s = Stage::new()
        .dir("/var/lib/apt/lists")
        .file("/var/lib/apt/lists/lock", 0);
    let plan = s.plan(
        "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates git && rm -rf /var/lib/apt/lists/*",
    );
    assert_eq!(
        lines(&plan),
        [
            format!("add /var/lib/apt/lists Tree {}", mb("apt.lists")),
            format!("add /usr/bin/curl File {}", mb("apt.curl+ca-certificates")),
            "add /usr/sbin/update-ca-certificates File 0".to_string(),
            format!("add /usr/lib/git-core Tree {}", mb("apt.git")),
            "add /usr/bin/git File 0".to_string(),
            "rm /var/lib/apt/lists".to_string(),
            "add /var/lib/apt/lists Dir 0".to_string(),
        ]
    );
    let after = apply(&s.fs, &plan);
    assert_eq!(after.size_under("/var/lib/apt/lists"), 0);
    assert!(after.contains("/usr/bin/git"));
    assert_eq!(
        after.total_size(),
        mb("apt.curl+ca-certificates") + mb("apt.git")
    );
    assert!(plan.needs_root.is_empty() && plan.unknown.is_empty() && plan.unverifiable.is_empty());
    assert_eq!(plan.binaries, ["apt-get", "rm"]);
}

#[test]
fn apt_recommends_unknown_packages_and_already_installed_ones() {
    let s = Stage::new().file("/usr/bin/curl", 250_000);
    let plan = s.plan("apt install -y curl htop libpq-dev=15.* python3:amd64");
    // curl is already there; the rest pull recommended packages too (+25%).
    assert_eq!(added(&plan, "/usr/bin/curl"), None);
    assert_eq!(added(&plan, "/usr/lib/htop"), Some(12_500_000));
    assert!(what(&plan, "/usr/lib/htop").contains("not in the table"));
    assert_eq!(added(&plan, "/usr/bin/htop"), Some(0));
    assert!(added(&plan, "/usr/include/postgresql").is_some());
    assert_eq!(
        added(&plan, "/usr/bin/libpq-dev"),
        None,
        "libraries get no command"
    );
    assert_eq!(added(&plan, "/usr/bin/python3"), Some(0));
    let plan =
        s.plan("apt-get -qq install -y -o APT::Install-Recommends=false python3 python3-pip");
    assert_eq!(
        added(&plan, "/usr/lib/python3.11"),
        Some(mb("apt.python3+pip"))
    );
}

#[test]
fn apt_clean_remove_and_upgrade() {
    let s = Stage::new();
    let plan = s.plan("apt-get install -y --no-install-recommends gcc && apt-get purge -y gcc && apt-get clean && apt-get autoremove -y");
    assert!(has_prefix(&plan, "add /usr/lib/gcc Tree"));
    assert!(has(&plan, "rm /usr/lib/gcc"));
    assert!(has(&plan, "rm /usr/bin/gcc"));
    assert!(has(&plan, "rm /var/cache/apt/archives/*.deb"));
    assert!(apply(&s.fs, &plan).total_size() == 0);
    assert!(plan.unknown.is_empty());
    let plan = s.plan("apt-get update && apt-get upgrade -y");
    assert!(plan.unverifiable[0].contains("upgrade"));
}

#[test]
fn a_package_manager_the_image_lacks_changes_nothing() {
    let alpine = Stage::new().pm(PackageManager::Apk);
    let plan = alpine.plan("apt-get update && apt-get install -y curl");
    assert!(plan.effects.is_empty());
    assert!(plan.unknown.is_empty());
    assert_eq!(plan.binaries, ["apt-get"]);
    let debian = Stage::new();
    assert!(debian.plan("apk add curl").effects.is_empty());
    // An unknown image could have any of them.
    let unknown = Stage::new().pm(PackageManager::None);
    assert!(!unknown.plan("apk add curl").effects.is_empty());
}

#[test]
fn apk_no_cache_index_and_virtual_groups() {
    let s = Stage::new().pm(PackageManager::Apk);
    let plan = s.plan("apk add --no-cache curl ca-certificates");
    assert_eq!(
        lines(&plan),
        [
            format!("add /usr/bin/curl File {}", mb("apk.curl")),
            format!(
                "add /usr/share/ca-certificates Tree {}",
                mb("apk.ca-certificates")
            ),
            "add /usr/sbin/update-ca-certificates File 0".to_string(),
        ]
    );
    let plan = s.plan("apk add curl");
    assert_eq!(added(&plan, "/var/cache/apk"), Some(2_500_000));
    let plan = s.plan("apk update && apk add git && rm -rf /var/cache/apk/*");
    assert_eq!(apply(&s.fs, &plan).size_under("/var/cache/apk"), 0);
    let plan = s.plan("apk add --no-cache --virtual .build-deps gcc musl-dev && pip install --no-cache-dir psycopg2 && apk del .build-deps");
    let after = apply(&s.fs, &plan);
    assert!(!after.contains("/usr/libexec/gcc") && !after.contains("/usr/lib/libc.a"));
    assert!(after.contains("/usr/lib/python3/site-packages/psycopg2"));
}

#[test]
fn dnf_yum_microdnf_install_and_clean_all() {
    let s = Stage::new().pm(PackageManager::Dnf);
    let plan =
        s.plan("dnf install -y --setopt=install_weak_deps=0 python3 shadow-utils && dnf clean all");
    assert!(added(&plan, "/usr/lib64/python3").is_some());
    assert!(added(&plan, "/usr/sbin/useradd").is_some());
    assert_eq!(apply(&s.fs, &plan).size_under("/var/cache/dnf"), 0);
    assert!(added(&plan, "/var/cache/dnf").is_some());
    let yum = s.plan("yum install -y git && yum clean all && rm -rf /var/cache/yum");
    assert_eq!(apply(&s.fs, &yum).size_under("/var/cache/yum"), 0);
    assert!(Stage::new()
        .pm(PackageManager::Microdnf)
        .plan("dnf install -y git")
        .effects
        .is_empty());
    let micro = Stage::new()
        .pm(PackageManager::Microdnf)
        .plan("microdnf install -y tar gzip && microdnf clean all");
    assert!(added(&micro, "/usr/bin/tar").is_some());
    assert_eq!(apply(&Fs::new(), &micro).size_under("/var/cache/yum"), 0);
}

// ---------------------------------------------------------------------------------------
// Python

fn py() -> Stage {
    Stage::new()
        .workdir("/app")
        .env("PYTHON_VERSION", "3.12.1")
        .file("/app/requirements.txt", 120)
        .tree("/usr/local/lib/python3.12", 60_000_000)
}

const SITE: &str = "/usr/local/lib/python3.12/site-packages";

#[test]
fn pip_requirements_and_its_cache() {
    let s = py();
    let plan = s.plan("pip install --no-cache-dir -r requirements.txt");
    assert_eq!(
        lines(&plan),
        [format!(
            "add {SITE}/(packages from requirements.txt) Tree {}",
            mb("python.site_packages.django")
        )]
    );
    let plan = s.plan("pip install -r requirements.txt");
    assert_eq!(
        added(&plan, "/root/.cache/pip"),
        Some(mb("python.site_packages.django") / 4)
    );
    let plan = Stage::new()
        .workdir("/app")
        .env("PIP_NO_CACHE_DIR", "1")
        .plan("pip3 install flask");
    assert_eq!(added(&plan, "/root/.cache/pip"), None);
    let plan = py()
        .mount("/root/.cache/pip")
        .plan("pip install -r requirements.txt");
    assert_eq!(
        plan.effects.len(),
        1,
        "the cache mount keeps the cache out of the image"
    );
    // Known packages, commands on PATH, pins and extras; python -m pip is pip.
    let plan = s
        .plan("python -m pip install --no-cache-dir 'Flask==3.0.*' gunicorn>=21 uvicorn[standard]");
    assert_eq!(
        added(&plan, &format!("{SITE}/Flask")),
        Some(mb("python.site_packages.flask"))
    );
    assert_eq!(added(&plan, "/usr/local/bin/flask"), Some(0));
    assert_eq!(added(&plan, "/usr/local/bin/gunicorn"), Some(0));
    assert!(added(&plan, &format!("{SITE}/uvicorn")).is_some());
    assert_eq!(plan.binaries, ["python"]);
}

#[test]
fn pip_user_prefix_target_and_non_root() {
    let s = py();
    let plan = s.plan("pip install --no-cache-dir --user flask");
    assert!(added(&plan, "/root/.local/lib/python3.12/site-packages/flask").is_some());
    assert!(added(&plan, "/root/.local/bin/flask").is_some());
    let plan = s.plan("pip install --no-cache-dir --prefix=/install -r requirements.txt");
    assert!(added(
        &plan,
        "/install/lib/python3.12/site-packages/(packages from requirements.txt)"
    )
    .is_some());
    let plan = s.plan("pip install --no-cache-dir --target /deps requests");
    assert!(added(&plan, "/deps/requests").is_some());
    // pip falls back to a user install when site-packages is not writable.
    let plan = py()
        .user("app")
        .env("HOME", "/home/app")
        .plan("pip install --no-cache-dir flask");
    assert!(added(&plan, "/home/app/.local/lib/python3.12/site-packages/flask").is_some());
    assert!(plan.needs_root.is_empty());
}

#[test]
fn pip_finds_the_virtual_environment() {
    let s = py();
    let plan = s.plan(
        "python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt",
    );
    assert!(added(
        &plan,
        "/opt/venv/lib/python3.12/site-packages/(packages from requirements.txt)"
    )
    .is_some());
    assert_eq!(plan.binaries, ["python", "/opt/venv/bin/pip"]);
    let plan =
        s.plan("python3 -m venv .venv && . .venv/bin/activate && pip install --no-cache-dir flask");
    assert!(added(&plan, "/app/.venv/lib/python3.12/site-packages/flask").is_some());
    let in_env = py()
        .env("VIRTUAL_ENV", "/venv")
        .plan("pip install --no-cache-dir flask");
    assert!(added(&in_env, "/venv/lib/python3.12/site-packages/flask").is_some());
    let on_path = py()
        .env("PATH", "/opt/venv/bin:/usr/local/bin:/usr/bin")
        .file("/opt/venv/pyvenv.cfg", 200)
        .plan("pip install --no-cache-dir flask");
    assert!(added(&on_path, "/opt/venv/lib/python3.12/site-packages/flask").is_some());
}

#[test]
fn python_venv_virtualenv_poetry_and_pipenv() {
    let s = py();
    let plan = s.plan("python3 -m venv /opt/venv");
    assert_eq!(
        lines(&plan),
        [
            "add /opt/venv/pyvenv.cfg File 200".to_string(),
            "add /opt/venv/bin Dir 0".to_string(),
            "ln python3 /opt/venv/bin/python".to_string(),
            format!("add /opt/venv/lib Tree {}", mb("python.venv.empty")),
            "add /opt/venv/bin/pip File 250".to_string(),
        ]
    );
    assert_eq!(s.plan("python -m venv --without-pip /v").effects.len(), 3);
    assert!(added(&s.plan("virtualenv /v"), "/v/lib").is_some());
    let plan = py()
        .env("POETRY_VIRTUALENVS_CREATE", "false")
        .mount("/root/.cache/pypoetry")
        .plan("poetry install --no-root --only main");
    assert_eq!(
        lines(&plan),
        [format!(
            "add {SITE}/(packages from poetry.lock) Tree {}",
            mb("python.site_packages.django")
        )]
    );
    let plan = py()
        .env("POETRY_VIRTUALENVS_IN_PROJECT", "true")
        .plan("poetry install");
    assert!(added(
        &plan,
        "/app/.venv/lib/python3.12/site-packages/(packages from poetry.lock)"
    )
    .is_some());
    assert!(added(&plan, "/root/.cache/pypoetry/cache").is_some());
    let plan = s.plan("poetry install");
    assert!(added(&plan, "/root/.cache/pypoetry/virtualenvs/app").is_some());
    let plan = s.plan("pipenv install --system --deploy");
    assert!(added(&plan, &format!("{SITE}/(packages from Pipfile.lock)")).is_some());
}

// ---------------------------------------------------------------------------------------
// Node.js

fn node() -> Stage {
    Stage::new()
        .workdir("/app")
        .file("/app/package.json", 800)
        .file("/app/package-lock.json", 90_000)
}

#[test]
fn npm_install_sizes_follow_dev_dependencies() {
    let plan = node().plan("npm ci");
    assert_eq!(
        added(&plan, "/app/node_modules"),
        Some(mb("node_modules.express_api.dev"))
    );
    assert_eq!(added(&plan, "/root/.npm/_cacache"), Some(10_000_000));
    for prod in [
        "npm ci --omit=dev",
        "npm ci --omit dev",
        "npm install --production",
        "npm ci --only=production",
    ] {
        assert_eq!(
            added(&node().plan(prod), "/app/node_modules"),
            Some(mb("node_modules.express_api.prod")),
            "{prod}"
        );
    }
    let plan = node().env("NODE_ENV", "production").plan("npm ci");
    assert_eq!(
        added(&plan, "/app/node_modules"),
        Some(mb("node_modules.express_api.prod"))
    );
    let react = node().file("/app/src/App.js", 2_000);
    assert_eq!(
        added(&react.plan("npm ci --omit=dev"), "/app/node_modules"),
        Some(mb("node_modules.cra"))
    );
    // A Vite app has src/App.jsx too, but its production dependencies are react and react-dom.
    let vite = node()
        .file("/app/src/App.jsx", 900)
        .file("/app/index.html", 400)
        .file("/app/vite.config.js", 200);
    assert_eq!(
        added(&vite.plan("npm ci"), "/app/node_modules"),
        Some(42_000_000)
    );
    assert_eq!(
        added(&vite.plan("npm ci --omit=dev"), "/app/node_modules"),
        Some(mb("node_modules.react_runtime_only"))
    );
    // An Express app's public/index.html is not a React app.
    let express = node()
        .file("/app/public/index.html", 500)
        .file("/app/src/app.js", 900);
    assert_eq!(
        added(&express.plan("npm ci"), "/app/node_modules"),
        Some(mb("node_modules.express_api.dev"))
    );
    let plan = node()
        .mount("/root/.npm")
        .plan("npm ci && npm cache clean --force");
    assert_eq!(plan.effects.len(), 1);
}

#[test]
fn npm_run_build_writes_where_the_bundler_does() {
    let cra = node()
        .file("/app/src/App.js", 2_000)
        .file("/app/public/index.html", 1_700);
    let plan = cra.plan("npm ci && npm run build");
    assert_eq!(added(&plan, "/app/build"), Some(mb("react.build_output")));
    assert!(plan.unverifiable.is_empty());
    assert_eq!(plan.binaries, ["npm", "node"]);
    let vite = node()
        .file("/app/vite.config.ts", 300)
        .file("/app/src/App.jsx", 900);
    assert!(added(&vite.plan("npm run build"), "/app/dist").is_some());
    let next = node().file("/app/next.config.js", 300);
    assert!(added(&next.plan("npm run build:prod"), "/app/.next").is_some());
    let unknown = node().plan("npm run build");
    assert!(added(&unknown, "/app/build").is_some());
    assert!(unknown.unverifiable[0].contains("bundler"));
    // Other scripts are not modelled.
    assert_eq!(node().plan("npm run lint").unknown.len(), 1);
}

#[test]
fn npm_prune_global_installs_and_packages() {
    let s = node();
    let plan = s.plan("npm ci && npm run build && npm prune --production");
    let after = apply(&s.fs, &plan);
    assert_eq!(
        after.get("/app/node_modules").map(|n| n.size),
        Some(mb("node_modules.express_api.prod"))
    );
    let plan = s.plan("npm install -g pm2 serve@14");
    assert!(added(&plan, "/usr/local/lib/node_modules/pm2").is_some());
    assert_eq!(added(&plan, "/usr/local/bin/serve"), Some(0));
    let plan = s.plan("npm i express react react-dom@19");
    assert_eq!(
        added(&plan, "/app/node_modules/express"),
        Some(mb("node_modules.express4.min"))
    );
    assert_eq!(
        added(&plan, "/app/node_modules/react"),
        Some(mb("node_modules.react_runtime_only"))
    );
}

#[test]
fn yarn_pnpm_and_corepack() {
    let s = node().file("/app/vite.config.js", 200);
    let plan = s.plan("yarn install --frozen-lockfile && yarn build && yarn cache clean");
    let after = apply(&s.fs, &plan);
    assert_eq!(after.size_under("/usr/local/share/.cache/yarn"), 0);
    assert!(after.contains("/app/dist") && after.contains("/app/node_modules"));
    assert!(
        added(&s.plan("yarn --production"), "/app/node_modules")
            == Some(mb("node_modules.react_runtime_only"))
    );
    let plan = s.plan("corepack enable && pnpm install --frozen-lockfile --prod && pnpm run build");
    assert!(has(
        &plan,
        "ln ../lib/node_modules/corepack/dist/pnpm.js /usr/local/bin/pnpm"
    ));
    assert_eq!(
        added(&plan, "/app/node_modules"),
        Some(mb("node_modules.react_runtime_only"))
    );
    assert_eq!(added(&plan, "/root/.local/share/pnpm/store"), Some(0));
    assert!(added(&plan, "/app/dist").is_some());
    let plan = node()
        .env("PNPM_HOME", "/pnpm")
        .mount("/pnpm/store")
        .plan("pnpm i");
    assert_eq!(lines(&plan).len(), 1);
}

// ---------------------------------------------------------------------------------------
// Go, Java, Rust, C

fn golang() -> Stage {
    Stage::new()
        .workdir("/src")
        .env("GOPATH", "/go")
        .dir("/go")
        .file("/src/go.mod", 100)
        .file("/src/go.sum", 4_000)
}

#[test]
fn go_modules_build_cache_and_cache_mounts() {
    let s = golang();
    let plan = s.plan("go mod download && CGO_ENABLED=0 go build -o /out/app ./cmd/app");
    assert_eq!(
        lines(&plan),
        [
            "add /go/pkg/mod Tree 35000000".to_string(),
            format!("add /out/app File {}", mb("go.static_binary.hello_http")),
            format!(
                "add /root/.cache/go-build Tree {}",
                mb("go.build_cache.hello")
            ),
        ]
    );
    let mounted = golang().mount("/root/.cache/go-build").mount("/go/pkg/mod");
    let plan = mounted
        .plan("go mod download && go build -ldflags='-s -w' -trimpath -o /out/app ./cmd/app");
    assert_eq!(lines(&plan), ["add /out/app File 4457400"]);
    assert_eq!(
        mounted
            .plan("GOCACHE=/cache go build -o /bin/x .")
            .effects
            .len(),
        2,
        "GOCACHE is not the mount"
    );
}

#[test]
fn go_build_names_and_go_install() {
    let s = golang();
    assert!(added(&s.plan("go build"), "/src/src").is_some());
    assert!(added(&s.plan("go build ./cmd/server"), "/src/server").is_some());
    // `-o dir/` and `-o <existing dir>` name the binary after the package.
    assert!(added(&s.plan("go build -o bin/ ./cmd/api"), "/src/bin/api").is_some());
    let with_dir = s.dir("/src/bin");
    assert!(added(&with_dir.plan("go build -o bin ./cmd/api"), "/src/bin/api").is_some());
    assert!(added(&with_dir.plan("go build main.go"), "/src/main").is_some());
    let plan = golang().plan("go build ./...");
    assert!(!plan.effects.iter().any(|e| matches!(
        e,
        Effect::Add {
            kind: Kind::File,
            ..
        }
    )));
    let plan = golang().plan("go install github.com/go-delve/delve/cmd/dlv@latest");
    assert!(added(&plan, "/go/bin/dlv").is_some());
}

#[test]
fn maven_and_gradle() {
    let s = Stage::new().workdir("/app").file("/app/pom.xml", 3_000);
    let plan = s.plan("mvn -B -q dependency:go-offline");
    assert_eq!(
        lines(&plan),
        [format!(
            "add /root/.m2/repository Tree {}",
            mb("java.maven_m2.spring_boot")
        )]
    );
    let plan = s.plan("mvn -B package -DskipTests && cp target/*.jar app.jar");
    assert!(
        added(&plan, "/app/target/app-0.0.1-SNAPSHOT.jar") == Some(mb("java.spring_boot.fat_jar"))
    );
    assert!(has(
        &plan,
        "cp /app/target/app-0.0.1-SNAPSHOT.jar /app/app.jar"
    ));
    assert!(plan.unverifiable[0].contains("pom.xml"));
    assert_eq!(plan.binaries, ["mvn", "java", "cp"]);
    // The repository is downloaded once; a mount keeps it out.
    let after = apply(&s.fs, &s.plan("mvn dependency:go-offline"));
    let again = Stage {
        fs: after,
        ..Stage::new().workdir("/app")
    };
    assert!(added(&again.plan("mvn package"), "/root/.m2/repository").is_none());
    assert!(added(
        &s.clone_with_mount("/root/.m2").plan("./mvnw package"),
        "/root/.m2/repository"
    )
    .is_none());
    let plan = s.plan("./gradlew bootJar --no-daemon -x test");
    assert!(added(&plan, "/app/build/libs/app-0.0.1-SNAPSHOT.jar").is_some());
    assert!(added(&plan, "/root/.gradle").is_some());
    assert!(plan.binaries.contains(&"/app/gradlew".to_string()));
    let plan = s.plan("java -Djarmode=layertools -jar target/app.jar extract");
    assert!(
        added(&plan, "/app/dependencies").is_some() && added(&plan, "/app/application").is_some()
    );
}

impl Stage {
    fn clone_with_mount(&self, m: &str) -> Stage {
        Stage {
            fs: self.fs.clone(),
            env: self.env.clone(),
            user: self.user.clone(),
            pm: self.pm,
            mounts: vec![m.to_string()],
            workdir: self.workdir.clone(),
        }
    }
}

#[test]
fn cargo_build_release_debug_and_install() {
    let s = Stage::new()
        .workdir("/usr/src/myapp")
        .env("CARGO_HOME", "/usr/local/cargo")
        .tree("/usr/local/cargo", 20_000_000);
    let plan = s.plan("cargo build --release --locked");
    assert_eq!(
        lines(&plan),
        [
            format!(
                "add /usr/src/myapp/target Tree {}",
                mb("rust.axum_api.target_dir")
            ),
            format!(
                "add /usr/src/myapp/target/release/myapp File {}",
                mb("rust.axum_api.release_binary")
            ),
            format!(
                "add /usr/local/cargo/registry Tree {}",
                mb("rust.cargo_registry.axum_api")
            ),
        ]
    );
    let plan = s.plan("cargo build --target x86_64-unknown-linux-musl --release --bin server");
    assert!(added(
        &plan,
        "/usr/src/myapp/target/x86_64-unknown-linux-musl/release/server"
    )
    .is_some());
    let debug = s.plan("cargo build");
    assert_eq!(
        added(&debug, "/usr/src/myapp/target/debug/myapp"),
        Some(26_402_500)
    );
    let plan = s.plan("cargo install ripgrep && cargo install --path .");
    assert!(added(&plan, "/usr/local/cargo/bin/ripgrep").is_some());
    assert!(added(&plan, "/usr/local/cargo/bin/myapp").is_some());
    // target/ in a cache mount: the copied binary still reaches the image.
    let mounted = s.clone_with_mount("/usr/src/myapp/target");
    let plan = mounted.plan("cargo build --release && cp target/release/myapp /usr/local/bin/");
    assert!(has(
        &plan,
        &format!(
            "add /usr/local/bin/myapp File {}",
            mb("rust.axum_api.release_binary")
        )
    ));
    assert!(!plan.effects.iter().any(
        |e| matches!(e, Effect::Add { path, .. } if path.starts_with("/usr/src/myapp/target"))
    ));
}

#[test]
fn make_and_c_compilers() {
    let s = Stage::new().workdir("/src");
    let plan = s.plan("./configure --prefix=/usr/local && make -j$(nproc) && make install");
    assert_eq!(plan.unknown.len(), 1);
    assert_eq!(plan.unverifiable.len(), 2);
    assert!(plan.effects.is_empty());
    let plan = s.plan(
        "gcc -O2 -static -o /usr/local/bin/hello hello.c && cc -c util.c -o util.o && g++ main.cpp",
    );
    assert_eq!(added(&plan, "/usr/local/bin/hello"), Some(900_000));
    assert!(added(&plan, "/src/util.o").is_some());
    assert!(added(&plan, "/src/a.out").is_some());
}

// ---------------------------------------------------------------------------------------
// Fetching

#[test]
fn git_clone_curl_and_wget() {
    let s = Stage::new().workdir("/src");
    let plan = s.plan("git clone --depth 1 https://github.com/org/tool.git && git clone https://github.com/org/lib /opt/lib");
    assert_eq!(added(&plan, "/src/tool"), Some(2_000_000));
    assert_eq!(added(&plan, "/opt/lib"), Some(5_000_000));
    let plan = s.plan("curl -fsSLo /tmp/x.deb https://example.com/x.deb && curl -fsSLO https://example.com/a/b.tar.gz?x=1 && wget -q https://example.com/c.zip && wget -P /opt https://example.com/d.bin && wget -O e https://example.com/e");
    for path in [
        "/tmp/x.deb",
        "/src/b.tar.gz",
        "/src/c.zip",
        "/opt/d.bin",
        "/src/e",
    ] {
        assert_eq!(added(&plan, path), Some(10_000_000), "{path}");
    }
    let plan = s.plan("curl -sSL https://go.dev/dl/go1.22.5.linux-amd64.tar.gz -o go.tgz");
    assert_eq!(
        added(&plan, "/src/go.tgz"),
        recipes()
            .artifact("go.toolchain")
            .and_then(|a| a.compressed_bytes)
    );
}

#[test]
fn archives_extract_into_their_directory() {
    let s = Stage::new().workdir("/src");
    let plan =
        s.plan("curl -fsSL https://go.dev/dl/go1.22.5.linux-amd64.tar.gz | tar -xz -C /usr/local");
    assert_eq!(
        lines(&plan),
        [format!("add /usr/local/go Tree {}", mb("go.toolchain"))]
    );
    assert!(plan.unverifiable.is_empty());
    let plan =
        s.plan("curl -fsSL https://example.com/releases/tool-1.2-linux.tar.gz | tar xzf - -C /opt");
    assert_eq!(lines(&plan), ["add /opt/tool-1.2-linux Tree 25000000"]);
    assert!(plan.unverifiable[0].contains("/opt: files extracted from tool-1.2-linux.tar.gz"));
    let local = s.file("/src/app.tar.xz", 1_000_000);
    let plan = local.plan(
        "tar -xJf app.tar.xz && tar -cf /tmp/backup.tar . && unzip -q /src/missing.zip -d /opt/z",
    );
    assert_eq!(added(&plan, "/src/app"), Some(4_000_000));
    assert_eq!(added(&plan, "/tmp/backup.tar"), Some(5_000_000));
    assert_eq!(added(&plan, "/opt/z/missing"), Some(25_000_000));
    let plan = Stage::new().plan("wget -qO- https://x.io/a.tgz | tar xz");
    assert!(added(&plan, "/a").is_some());
}

// ---------------------------------------------------------------------------------------
// Files, users, permissions

#[test]
fn file_commands() {
    let s = Stage::new()
        .workdir("/app")
        .file("/app/entrypoint.sh", 300)
        .dir("/app/src")
        .file("/app/src/main.py", 900);
    let plan = s.plan(
        "mkdir -p /data/logs /app/src && mkdir -m 700 /secret && chmod +x entrypoint.sh && chmod -R 755 /app \
         && chown -R app:app /app /data && chgrp staff /data && ln -s /data/logs /app/logs \
         && cp -r src /opt/ && cp -r src/. /srv && mv entrypoint.sh /usr/local/bin/ && rm -rf /app/src \
         && touch /app/.ready /app/src/x",
    );
    assert_eq!(
        lines(&plan),
        [
            "add /data/logs Dir 0",
            "add /secret Dir 0",
            "chmod /secret Some(448) false",
            "chmod /app/entrypoint.sh Some(493) false",
            "chmod /app Some(493) true",
            "chown /app app:app true",
            "chown /data app:app true",
            "chown /data :staff false",
            "ln /data/logs /app/logs",
            "cp /app/src /opt/src",
            "cp /app/src /srv",
            "mv /app/entrypoint.sh /usr/local/bin/entrypoint.sh",
            "rm /app/src",
            "add /app/.ready File 0",
            "add /app/src/x File 0",
        ]
    );
    let after = apply(&s.fs, &plan);
    assert!(after.contains("/opt/src/main.py") && after.contains("/srv/main.py"));
    assert_eq!(
        after.get("/usr/local/bin/entrypoint.sh").map(|n| n.mode),
        Some(0o755)
    );
    assert_eq!(after.get("/data").map(|n| n.owner.as_str()), Some(":staff"));
    assert_eq!(
        after.get("/app/logs").and_then(|n| n.target.as_deref()),
        Some("/data/logs")
    );
    // Touching an existing file copies it into the layer.
    assert_eq!(
        added(&s.plan("touch entrypoint.sh"), "/app/entrypoint.sh"),
        Some(300)
    );
    assert_eq!(
        s.plan("ln -sf /usr/share/zoneinfo/UTC /etc/localtime")
            .effects
            .len(),
        1
    );
}

#[test]
fn users_and_groups() {
    let s = Stage::new()
        .file("/etc/passwd", 1_000)
        .file("/etc/group", 500);
    let plan = s.plan("useradd -r -u 1001 app");
    assert_eq!(
        lines(&plan),
        [
            "add /etc/passwd File 1060",
            "add /etc/shadow File 540",
            "add /etc/group File 520"
        ]
    );
    let plan = s.plan("groupadd -g 1001 app && useradd -m -u 1001 -g app -s /bin/bash app");
    assert_eq!(
        lines(&plan),
        [
            "add /etc/group File 520",
            "add /etc/passwd File 1060",
            "add /etc/shadow File 540",
            "add /home/app Dir 0",
            "chown /home/app app true",
        ]
    );
    let plan = s.plan("adduser --disabled-password --gecos '' --home /srv/app appuser");
    assert!(has(&plan, "add /srv/app Dir 0") && has(&plan, "chown /srv/app appuser true"));
    let alpine = s.plan("addgroup -S app && adduser -S -G app app");
    assert!(!alpine.effects.iter().any(|e| matches!(
        e,
        Effect::Add {
            kind: Kind::Dir,
            ..
        }
    )));
    let busybox = s.plan("adduser -D -u 1000 node");
    assert!(has(&busybox, "add /home/node Dir 0"));
    assert_eq!(s.plan("adduser app docker").effects.len(), 1);
}

#[test]
fn redirections_echo_tee_sed() {
    let s = Stage::new()
        .workdir("/app")
        .file("/etc/nginx/nginx.conf", 2_000);
    let plan = s.plan(
        "echo 'hello world' > /app/a.txt && echo more >> /app/a.txt && echo hello 2>/dev/null > b \
         && echo deb http://x/ ./ | tee /etc/apt/sources.list.d/x.list > /dev/null \
         && sed -i 's/80/8080/' /etc/nginx/nginx.conf && date > /build-date",
    );
    assert_eq!(added(&plan, "/app/a.txt"), Some(12 + 5));
    assert_eq!(added(&plan, "/app/b"), Some(6));
    assert_eq!(added(&plan, "/etc/apt/sources.list.d/x.list"), Some(17));
    assert_eq!(added(&plan, "/etc/nginx/nginx.conf"), Some(2_000));
    assert_eq!(added(&plan, "/build-date"), Some(0));
    assert!(!plan.binaries.contains(&"echo".to_string()));
}

#[test]
fn non_root_users_are_told_what_needs_root() {
    let s = Stage::new()
        .workdir("/app")
        .user("app")
        .env("HOME", "/home/app")
        .owned_dir("/home/app", "0:0")
        .owned_dir("/data", "app:app")
        .file("/etc/hosts.allow", 10);
    let plan = s.plan(
        "apt-get install -y curl && npm ci && mkdir -p /data/x && rm -f /etc/hosts.allow && touch /tmp/ok \
         && pip install --no-cache-dir flask && chown -R app /data && chown -R www-data /data && echo x > /etc/motd && sudo rm -rf /var/cache/x",
    );
    let reasons: Vec<String> = plan
        .needs_root
        .iter()
        .map(|(c, r)| format!("{}: {r}", c.program))
        .collect();
    assert_eq!(
        reasons,
        [
            "apt-get: apt-get install writes to /usr and /var/lib/dpkg",
            "npm: npm writes /app/node_modules in root-owned /app",
            "rm: rm of /etc/hosts.allow in root-owned /etc",
            "chown: chown to www-data needs root",
            "echo: echo writes /etc/motd in root-owned /etc",
        ]
    );
    // Numeric and named non-root users alike; root and uid 0 are never flagged.
    assert!(!Stage::new()
        .user("1001:1001")
        .plan("mkdir /opt/x")
        .needs_root
        .is_empty());
    assert!(Stage::new()
        .user("0:0")
        .plan("mkdir /opt/x")
        .needs_root
        .is_empty());
    // What this RUN created as the user is the user's.
    let plan = Stage::new()
        .user("app")
        .plan("sudo mkdir /opt/x && sudo chown app /opt/x && touch /opt/y");
    assert_eq!(plan.needs_root.len(), 1);
    assert_eq!(plan.binaries, ["sudo", "mkdir", "chown", "touch"]);
    assert!(Stage::new()
        .plan("rm -rf / --no-preserve-root")
        .effects
        .is_empty());
}

#[test]
fn cache_and_bind_mounts_keep_writes_out_of_the_image() {
    let s = Stage::new()
        .workdir("/app")
        .mount("/root/.cache")
        .mount("/tmp/build");
    let plan = s.plan("pip install flask && mkdir -p /tmp/build/out && cp -r /tmp/build/out /srv && mv /app/x /tmp/build/x");
    assert!(added(&plan, "/root/.cache/pip").is_none());
    assert!(added(&plan, "/tmp/build/out").is_none());
    assert!(has(&plan, "add /srv Dir 0"), "{:?}", lines(&plan));
}

// ---------------------------------------------------------------------------------------
// Shell behaviour, exec form, reporting

#[test]
fn cd_export_subshells_loops_and_variables() {
    let s = Stage::new().workdir("/app").env("APP_HOME", "/srv/app");
    let plan = s.plan(
        "cd /tmp && touch a && (cd /opt && touch b) && touch c && export DIR=/x PKGS='curl git' && mkdir $DIR ${APP_HOME}/data ${MISSING:-/fallback} \
         && for f in 1 2; do touch /loop/$f; done && apt-get install -y --no-install-recommends $PKGS \"$PKGS\" && cd && touch d && cd ~ && mkdir $(date +%s)",
    );
    for path in [
        "/tmp/a",
        "/opt/b",
        "/tmp/c",
        "/x",
        "/srv/app/data",
        "/fallback",
        "/root/d",
        "/usr/lib/git-core",
        "/usr/lib/curl git",
    ] {
        assert!(added(&plan, path).is_some(), "{path}: {:?}", lines(&plan));
    }
    assert!(plan.unverifiable.iter().any(|u| u.contains("/loop/$f")));
    assert!(plan.unverifiable.iter().any(|u| u.contains("$(date +%s)")));
    assert!(
        plan.binaries.contains(&"date".to_string())
            || plan.unknown.iter().all(|c| c.program != "date")
    );
}

#[test]
fn exec_form_runs_without_a_shell() {
    let s = Stage::new().workdir("/app").env("HOME", "/root");
    let argv = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let plan = plan_exec(
        &argv(&["pip", "install", "--no-cache-dir", "flask"]),
        &s.ctx(),
    );
    assert!(
        added(&plan, "/usr/local/lib/python3/site-packages/flask").is_some()
            || !plan.effects.is_empty()
    );
    assert_eq!(plan.commands[0].text, "pip install --no-cache-dir flask");
    // No shell: `$HOME` and `*` stay as written.
    let plan = plan_exec(&argv(&["mkdir", "-p", "$HOME/x", "/y*"]), &s.ctx());
    assert_eq!(lines(&plan), ["add /app/$HOME/x Dir 0", "add /y* Dir 0"]);
    let plan = plan_exec(
        &argv(&["/bin/sh", "-c", "mkdir -p $HOME/x && touch /y"]),
        &s.ctx(),
    );
    assert_eq!(lines(&plan), ["add /root/x Dir 0", "add /y File 0"]);
    assert!(plan_exec(&[], &s.ctx()).commands.is_empty());
}

#[test]
fn unknown_commands_and_binaries() {
    let s = Stage::new().workdir("/app");
    let plan = s.plan("./scripts/setup.sh && frobnicate --all | sort && true && echo ok && /usr/local/bin/tool --version && node --version");
    let unknown: Vec<&str> = plan.unknown.iter().map(|c| c.program.as_str()).collect();
    assert_eq!(unknown, ["./scripts/setup.sh", "frobnicate"]);
    assert_eq!(
        plan.binaries,
        [
            "/app/scripts/setup.sh",
            "frobnicate",
            "sort",
            "/usr/local/bin/tool",
            "node"
        ]
    );
    assert_eq!(plan.commands.len(), 7);
}

#[test]
fn plans_are_deterministic_and_paths_absolute() {
    let s = node().file("/app/src/App.js", 100);
    let script = "apt-get update && apt-get install -y git make && npm ci && npm run build && rm -rf /var/lib/apt/lists/* node_modules/.cache && cp -r build ../www && ln -s ../www /srv/www";
    let a = s.plan(script);
    assert_eq!(a, s.plan(script));
    for e in &a.effects {
        let path = match e {
            Effect::Add { path, .. }
            | Effect::Remove { path }
            | Effect::Chown { path, .. }
            | Effect::Chmod { path, .. }
            | Effect::Symlink { path, .. } => path,
            Effect::Move { to, .. } | Effect::Copy { to, .. } => to,
        };
        assert!(
            path.starts_with('/')
                && !path.contains("/./")
                && !path.contains("/../")
                && !path.ends_with('/'),
            "{path}"
        );
    }
    assert!(has(&a, "cp /app/build /www"));
    assert!(has(&a, "ln ../www /srv/www"));
}

/// RUN lines as they appear in real Dockerfiles.
#[test]
fn realistic_run_lines() {
    let debian = Stage::new().dir("/var/lib/apt/lists");
    let plan = debian.plan(
        "apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n        ca-certificates \\\n        curl \\\n    && rm -rf /var/lib/apt/lists/*",
    );
    assert_eq!(
        apply(&debian.fs, &plan).total_size(),
        mb("apt.curl+ca-certificates")
    );

    let alpine = Stage::new().pm(PackageManager::Apk);
    let plan = alpine.plan("apk add --no-cache tini bash curl");
    assert!(added(&plan, "/var/cache/apk").is_none() && added(&plan, "/sbin/tini").is_some());

    let plan = py().plan("pip install --no-cache-dir -r requirements.txt");
    assert_eq!(
        apply(&py().fs, &plan).total_size() - py().fs.total_size(),
        mb("python.site_packages.django") + 120 - 120
    );

    let cra = node().file("/app/src/App.js", 2_000);
    let plan = cra.plan("npm ci && npm run build");
    assert_eq!(
        added(&plan, "/app/node_modules"),
        Some(mb("node_modules.cra"))
    );
    assert_eq!(added(&plan, "/app/build"), Some(mb("react.build_output")));

    let go = golang().mount("/root/.cache/go-build");
    let plan = go.plan("CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/app");
    assert_eq!(
        added(&plan, "/out/app"),
        Some(mb("go.static_binary.hello_http"))
    );
    assert_eq!(added(&plan, "/root/.cache/go-build"), None);

    let plan = Stage::new()
        .workdir("/build")
        .plan("mvn -B package -DskipTests");
    assert!(added(&plan, "/build/target/build-0.0.1-SNAPSHOT.jar").is_some());

    let plan = Stage::new().workdir("/app").plan("cargo build --release");
    assert!(added(&plan, "/app/target/release/app").is_some());

    let plan = Stage::new().plan("groupadd -r app && useradd -r -g app -u 1001 app");
    assert_eq!(lines(&plan).len(), 3);
    assert!(plan.needs_root.is_empty());

    let app = Stage::new().workdir("/app").file("/app/server.js", 100);
    let plan = app.plan("chown -R app:app /app");
    assert_eq!(
        apply(&app.fs, &plan)
            .get("/app/server.js")
            .map(|n| n.owner.as_str()),
        Some("app:app")
    );

    let plan = Stage::new().plan("curl -fsSL https://nodejs.org/dist/v20.11.0/node-v20.11.0-linux-x64.tar.xz | tar -xJ -C /usr/local --strip-components=1");
    assert_eq!(
        added(&plan, "/usr/local/node-v20.11.0-linux-x64"),
        Some(40_000_000)
    );
    assert!(!plan.unverifiable.is_empty());
}

/// Every recipe of the built-in table, with a command it must match: a new recipe needs an
/// example here, and a recipe that an earlier one shadows fails.
#[test]
fn every_builtin_recipe_matches_its_example() {
    let examples: &[(&str, &str)] = &[
        ("apt-get update", "apt-get -qq update"),
        ("apt-get install", "apt install -y curl"),
        ("apt-get remove", "apt-get purge -y --auto-remove gcc"),
        ("apt-get clean", "apt-get clean"),
        ("apt-get upgrade", "apt-get dist-upgrade -y"),
        ("apt-get (no changes)", "apt-get autoremove -y"),
        ("apk add", "apk --no-cache add curl"),
        ("apk update", "apk update"),
        ("apk del", "apk del .build-deps"),
        ("apk upgrade", "apk upgrade --no-cache"),
        ("dnf install", "dnf -y install git"),
        ("dnf remove", "dnf remove -y git"),
        ("dnf clean", "dnf clean all"),
        ("dnf update", "dnf -y update"),
        ("yum install", "yum install -y git"),
        ("yum remove", "yum erase -y git"),
        ("yum clean", "yum clean all"),
        ("yum update", "yum makecache"),
        ("microdnf install", "microdnf install -y tar"),
        ("microdnf remove", "microdnf remove tar"),
        ("microdnf clean", "microdnf clean all"),
        ("microdnf update", "microdnf update -y"),
        (
            "pip install",
            "pip3.12 install --no-cache-dir -r requirements.txt",
        ),
        ("pip uninstall", "pip uninstall -y flask"),
        (
            "pip wheel/download",
            "pip wheel --wheel-dir /wheels -r requirements.txt",
        ),
        ("pip (no changes)", "pip freeze"),
        ("python -m venv", "python3.12 -m venv /venv"),
        ("virtualenv", "virtualenv /venv"),
        ("uv sync", "uv sync --frozen --no-dev"),
        (
            "poetry install",
            "poetry install --no-interaction --no-ansi",
        ),
        ("pipenv install", "pipenv install --system --deploy"),
        ("npm install <packages>", "npm i -g pm2"),
        ("npm ci", "npm ci --no-audit"),
        ("npm prune", "npm prune --omit=dev"),
        ("npm cache clean", "npm cache clean --force"),
        ("npm run build", "npm run-script build"),
        (
            "npm config",
            "npm config set registry https://r.example.com",
        ),
        ("npm (no changes)", "npm audit"),
        ("yarn global add", "yarn global add serve"),
        ("yarn add", "yarn add express"),
        ("yarn install", "yarn install --frozen-lockfile"),
        ("yarn", "yarn"),
        ("yarn build", "yarn build"),
        ("yarn run build", "yarn run build:prod"),
        ("yarn cache clean", "yarn cache clean"),
        ("pnpm add", "pnpm add -g pnpm"),
        ("pnpm install", "pnpm i --frozen-lockfile"),
        ("pnpm build", "pnpm build"),
        ("pnpm run build", "pnpm run build"),
        ("corepack enable", "corepack enable"),
        ("corepack prepare", "corepack prepare pnpm@9 --activate"),
        ("go mod download", "go mod download -x"),
        ("go mod vendor", "go mod vendor"),
        ("go mod tidy", "go mod tidy"),
        ("go mod init", "go mod init example.com/app"),
        ("go get", "go get github.com/gin-gonic/gin"),
        ("go build", "go build -v -o app ."),
        ("go install", "go install ./cmd/tool"),
        ("mvn package", "./mvnw -B clean install -DskipTests"),
        ("mvn dependency:go-offline", "mvn -B dependency:resolve"),
        ("mvn clean", "mvn clean"),
        ("gradle build", "gradle build -x test"),
        ("gradle dependencies", "./gradlew dependencies --no-daemon"),
        (
            "java -Djarmode extract",
            "java -Djarmode=tools -jar app.jar extract --layers --launcher",
        ),
        ("cargo build", "cargo b -r"),
        ("cargo install", "cargo install --locked cargo-chef"),
        ("cargo fetch", "cargo fetch"),
        (
            "rustup target add",
            "rustup target add x86_64-unknown-linux-musl",
        ),
        ("make", "make -C src all"),
        ("cc -o", "clang -o hello hello.c"),
        (
            "git clone",
            "git clone -b main https://github.com/a/b.git src",
        ),
        ("git config", "git config --global user.name x"),
        ("curl", "curl -fsSL https://example.com/install.sh"),
        ("wget", "wget -q https://example.com/x.tgz"),
        ("tar -x", "tar --extract --file=x.tgz"),
        ("tar -c", "tar czf /tmp/a.tgz ."),
        ("tar (no changes)", "tar -tzf x.tgz"),
        ("unzip", "unzip -q x.zip"),
        ("mkdir", "mkdir -p /a/b"),
        ("rm", "rmdir /a"),
        ("mv", "mv a b"),
        ("cp", "cp -a a b"),
        ("install", "install -m 755 tool /usr/local/bin/tool"),
        ("chmod", "chmod 755 x"),
        ("chown", "chown app x"),
        ("chgrp", "chgrp -R app /app"),
        ("ln -s", "ln -sf /a /b"),
        ("ln", "ln a b"),
        ("touch", "touch x"),
        ("echo", "printf 'x\\n'"),
        ("cat (stdin)", "echo x | cat"),
        ("cat", "cat a"),
        ("tee", "echo x | tee -a /etc/x"),
        ("sed -i", "sed -i.bak -e s/a/b/ x"),
        ("sed", "sed s/a/b/ x"),
        ("find -delete", "find / -name '*.pyc' -delete"),
        (
            "gpg -o",
            "curl -fsSL https://x/key | gpg --dearmor -o /usr/share/keyrings/x.gpg",
        ),
        ("gpg", "gpg --batch --verify x.asc x"),
        ("read-only tools", "ls -la"),
        ("update-ca-certificates", "update-ca-certificates"),
        ("locale-gen", "locale-gen en_US.UTF-8"),
        ("useradd", "useradd app"),
        ("adduser (to a group)", "adduser app sudo"),
        ("adduser", "adduser --system app"),
        ("groupadd", "addgroup --system app"),
        ("usermod", "usermod -aG docker app"),
        ("bundle install", "bundle install --jobs 4"),
        ("gem install", "gem install bundler"),
        (
            "composer install",
            "composer install --no-dev --optimize-autoloader",
        ),
        ("dotnet restore", "dotnet restore"),
        (
            "dotnet publish",
            "dotnet publish -c Release -o /app/publish",
        ),
        ("dotnet build", "dotnet build -c Release"),
    ];
    let s = Stage::new().workdir("/app").pm(PackageManager::None);
    let mut covered = std::collections::BTreeSet::new();
    for (id, script) in examples {
        let (plan, matched) = plan::plan_traced(recipes(), &s.ctx(), shell::parse(script), script);
        assert_eq!(matched.len(), plan.commands.len());
        assert_eq!(
            matched.last().cloned().flatten().as_deref(),
            Some(*id),
            "{script}"
        );
        covered.insert(*id);
    }
    let missing: Vec<&str> = recipes()
        .recipe_ids()
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "recipes without an example: {missing:?}"
    );
}
