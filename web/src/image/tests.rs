//! The image panel rendered natively (its size hook, the treemap's cells) and the file
//! tree and treemap arithmetic behind it.

use stagecraft_simulate::vfs::Node;

use super::*;
use crate::test_render::{attribute_values, render, tags_with, view_of};

/// A final image with files from every kind of source but a URL.
const MIXED: &str = "FROM node:20 AS build\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app/node_modules ./node_modules\nCOPY package.json ./\nRUN apt-get update && apt-get install -y curl\nCMD [\"node\", \"dist/server.js\"]\n";

fn fs_of(files: &[(&str, u64, Origin)]) -> Fs {
    let mut fs = Fs::new();
    for (path, size, origin) in files {
        fs.insert(path, Node::new(Kind::File, *size, origin.clone()));
    }
    fs
}

fn base() -> Origin {
    Origin::Base {
        image: "alpine:3.20".to_owned(),
    }
}

#[test]
fn the_panel_shows_the_size_hook_and_a_treemap_coloured_by_origin() {
    let view = view_of(MIXED);
    let Some(image) = view.image.as_ref() else {
        panic!("the file simulates");
    };
    let html = render::<ImagePanel>(ImagePanelProps { view: view.clone() });
    assert_eq!(
        attribute_values(&html, "data-image-size-mb"),
        [format!("{:.2}", image.size_mb)]
    );
    let origins = attribute_values(&html, "data-origin");
    let paths = attribute_values(&html, "data-path");
    assert!(!origins.is_empty(), "treemap cells: {html}");
    assert_eq!(
        origins.len(),
        paths.len(),
        "each cell has a path and an origin"
    );
    for origin in &origins {
        assert!(ORIGINS.contains(&origin.as_str()), "{origin}");
    }
    assert_eq!(attribute_values(&html, "data-folder"), ["/"]);
    // The top level of the treemap is the root's folders, biggest first.
    let Some(result) = view.stage_result(image.stage) else {
        panic!("the target is simulated");
    };
    let root = stage_tree(result);
    let top: Vec<&str> = root[0]
        .children
        .iter()
        .filter(|&&c| root[c].bytes > 0)
        .map(|&c| root[c].path.as_str())
        .collect();
    assert_eq!(
        paths,
        top.iter().take(paths.len()).copied().collect::<Vec<_>>()
    );
    // The folder the build copied node_modules into is mostly from the build stage.
    let app = tags_with(&html, "data-path=\"/app\"");
    assert_eq!(app.len(), 1, "{html}");
    assert!(app[0].contains("data-origin=\"stage\""), "{}", app[0]);
    assert!(app[0].starts_with("button"), "folders zoom in: {}", app[0]);
}

#[test]
fn no_image_no_treemap() {
    let html = render::<ImagePanel>(ImagePanelProps { view: view_of("") });
    assert!(html.contains("No image yet"), "{html}");
    assert!(attribute_values(&html, "data-origin").is_empty());
}

#[test]
fn sizes_and_origin_bytes_add_up_the_tree() {
    let fs = fs_of(&[
        ("/usr/lib/libc.so", 700, base()),
        ("/usr/bin/app", 200, Origin::Stage { stage: 0 }),
        ("/app/index.js", 50, Origin::Context),
        ("/app/node_modules/x.js", 30, Origin::Run),
    ]);
    let tree = build_tree(&fs);
    for entry in &tree {
        assert_eq!(
            entry.origin_bytes.iter().sum::<u64>(),
            entry.bytes,
            "{}",
            entry.path
        );
    }
    assert_eq!(tree[0].bytes, 980);
    let find = |p: &str| match tree.iter().find(|e| e.path == p) {
        Some(entry) => entry,
        None => panic!("no {p}"),
    };
    assert_eq!(find("/usr").main_origin(), "base");
    assert_eq!(find("/usr").bytes, 900);
    assert_eq!(find("/app").main_origin(), "context");
    assert_eq!(find("/usr/bin/app").main_origin(), "stage");
    // Biggest first.
    assert_eq!(
        tree[0]
            .children
            .iter()
            .map(|&c| tree[c].name.as_str())
            .collect::<Vec<_>>(),
        ["usr", "app"]
    );
}

#[test]
fn a_folder_path_leads_down_the_tree_and_stops_where_it_ends() {
    let fs = fs_of(&[
        ("/usr/lib/libc.so", 700, base()),
        ("/usr/local/bin/app", 200, Origin::Context),
    ]);
    let tree = build_tree(&fs);
    let paths = |chain: Vec<usize>| -> Vec<String> {
        chain.into_iter().map(|i| tree[i].path.clone()).collect()
    };
    assert_eq!(paths(folder_chain(&tree, "/")), ["/"]);
    assert_eq!(
        paths(folder_chain(&tree, "/usr/local/bin")),
        ["/", "/usr", "/usr/local", "/usr/local/bin"]
    );
    // A folder gone after an edit shows the deepest one left; a file is not a folder;
    // a shared prefix is not a parent.
    assert_eq!(paths(folder_chain(&tree, "/usr/gone")), ["/", "/usr"]);
    assert_eq!(
        paths(folder_chain(&tree, "/usr/lib/libc.so")),
        ["/", "/usr", "/usr/lib"]
    );
    assert_eq!(paths(folder_chain(&tree, "/us")), ["/"]);
    assert!(folder_chain(&[], "/").is_empty());
}

#[test]
fn thousands_of_files_in_one_folder_draw_a_bounded_number_of_cells() {
    let files: Vec<(String, u64)> = (0..5_000)
        .map(|i| (format!("/data/f{i:05}"), 1_000 + (i % 13) as u64))
        .collect();
    let mut fs = Fs::new();
    for (path, size) in &files {
        fs.insert(path, Node::new(Kind::File, *size, Origin::Run));
    }
    let tree = build_tree(&fs);
    let Some(data) = tree.iter().find(|e| e.path == "/data") else {
        panic!("no /data");
    };
    let sizes: Vec<u64> = data.children.iter().map(|&c| tree[c].bytes).collect();
    let (w, h) = TREEMAP_BOX;
    let cells = treemap::squarify(
        &sizes,
        treemap::Rect {
            x: 0.0,
            y: 0.0,
            width: w,
            height: h,
        },
        treemap::Limits::default(),
    );
    assert!(cells.len() <= treemap::Limits::default().max_cells);
    assert!(cells
        .iter()
        .any(|c| matches!(c.tile, Tile::More { count } if count > 4_000)));
    assert_eq!(cells.iter().map(|c| c.bytes).sum::<u64>(), data.bytes);
}

#[test]
fn the_tree_adds_up_to_the_image_size_with_the_unlisted_base_as_one_entry() {
    // node:20-slim's catalog entry lists some files; the rest of its 200.94 MB is one entry.
    let text = "FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\n";
    let view = view_of(text);
    let Some(image) = view.image.as_ref() else {
        panic!("the image is simulated");
    };
    let Some(result) = view.stage_result(image.stage) else {
        panic!("the target is simulated");
    };
    let listed = build_tree(&result.fs)[0].bytes;
    let tree = stage_tree(result);
    let wasted: u64 = result.layers.iter().map(|l| l.wasted_bytes).sum();
    assert_eq!(tree[0].bytes + wasted, result.size_bytes);
    let rest: Vec<&TreeEntry> = tree.iter().filter(|e| e.name == UNITEMISED).collect();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].bytes, result.size_bytes - wasted - listed);
    assert_eq!(rest[0].main_origin(), "base");
    assert!(tree[0].children.iter().any(|&c| tree[c].name == UNITEMISED));
    // A stage whose listed files are its whole size gets no such entry.
    let scratch = view_of("FROM scratch\nCOPY package.json /\n");
    if let Some(result) = scratch.stage_result(0) {
        assert!(stage_tree(result).iter().all(|e| e.name != UNITEMISED));
    }
}
