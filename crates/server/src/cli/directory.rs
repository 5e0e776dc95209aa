//! The public hotline directory: export and import.

use anyhow::Context;
use clap::Subcommand;
use hotline_server::Service;
use hotline_server::config::Config;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum DirectoryCommand {
    /// Write the directory (every position, contact point and allowed frame origin, internal
    /// and past ones too) to standard output or a file.
    Export {
        /// One province, by its directory address (`quang-ninh`); every province by default.
        #[arg(long)]
        province: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: FileFormat,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Replace the directory of each province the file names, after checking all of it (a
    /// file with any error changes nothing). The format follows the file's extension unless
    /// given.
    Import {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<FileFormat>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FileFormat {
    Json,
    Csv,
}

pub(super) async fn run(command: DirectoryCommand, config: Config) -> anyhow::Result<()> {
    match command {
        DirectoryCommand::Export {
            province,
            format,
            output,
        } => {
            let service = Service::open(&config).await?;
            let document = service.hotline.export_directory(province.as_deref()).await;
            service.close().await;
            let document = document?;
            let text = match format {
                FileFormat::Json => serde_json::to_string_pretty(&document)? + "\n",
                FileFormat::Csv => document.to_csv()?,
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
        DirectoryCommand::Import { file, format } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
            let csv = match format {
                Some(FileFormat::Csv) => true,
                Some(FileFormat::Json) => false,
                None => file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
            };
            let document = if csv {
                hotline_core::directory_files::DirectoryDocument::from_csv(&text)?
            } else {
                text.parse::<hotline_core::directory_files::DirectoryDocument>()?
            };
            let service = Service::open(&config).await?;
            let summary = service.hotline.import_directory(&document, None).await;
            service.close().await;
            let summary = summary?;
            println!(
                "imported {} provinces: {} positions, {} contact points",
                summary.provinces, summary.positions, summary.contacts
            );
            Ok(())
        }
    }
}
