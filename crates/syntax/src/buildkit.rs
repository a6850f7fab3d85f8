//! The instruction list in the shape BuildKit's parser reports it (the fields of
//! `../shared/corpus/expected/`), for `stagecraft parse --format json` and the
//! conformance test.

use serde::{Deserialize, Serialize};

use crate::{Dockerfile, Instruction, TextRange};

/// One heredoc as BuildKit reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildkitHeredoc {
    pub name: String,
    pub file_descriptor: u32,
    pub content: String,
}

/// One top-level instruction as BuildKit reports it, plus its byte range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildkitNode {
    pub cmd: String,
    pub sub_cmd: Option<String>,
    pub json: bool,
    pub original: String,
    pub start_line: u32,
    pub end_line: u32,
    pub flags: Vec<String>,
    pub value: Vec<String>,
    pub heredocs: Vec<BuildkitHeredoc>,
    pub range: TextRange,
}

impl BuildkitNode {
    pub fn from_instruction(instruction: &Instruction) -> Self {
        BuildkitNode {
            cmd: instruction.keyword_word.text.clone(),
            sub_cmd: instruction
                .onbuild
                .as_ref()
                .map(|inner| inner.keyword_word.text.clone()),
            json: instruction.effective().json,
            original: instruction.original.clone(),
            start_line: instruction.start_line,
            end_line: instruction.end_line,
            flags: instruction.flags.iter().map(|f| f.text.clone()).collect(),
            value: instruction.args.iter().map(|w| w.text.clone()).collect(),
            heredocs: instruction
                .heredocs
                .iter()
                .map(|h| BuildkitHeredoc {
                    name: h.name.clone(),
                    file_descriptor: h.file_descriptor,
                    content: h.content.clone(),
                })
                .collect(),
            range: instruction.range,
        }
    }
}

/// Every instruction of `file` in BuildKit's shape.
pub fn buildkit_nodes(file: &Dockerfile) -> Vec<BuildkitNode> {
    file.instructions
        .iter()
        .map(BuildkitNode::from_instruction)
        .collect()
}
