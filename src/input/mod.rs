//! Input: an input folder in, each file's text out.
//!
//! [`discover`] walks the folder and picks the files the globs select; [`decode`] turns a file's
//! bytes into text (encoding detected, never trusted); [`html`] takes a web page apart into the
//! article, its headings and the page around it; [`docx`] reads the paragraphs of a Word file.

pub mod decode;
pub mod discover;
pub mod docx;
pub mod html;
