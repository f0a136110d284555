//! The presentation shaders: WGSL files in the top-level `shaders/` folder,
//! read through an asset source of their own and watched for edits.
//!
//! A file is not handed to the renderer as it is: each version is first
//! parsed and validated (naga, the same front end wgpu uses) and held to
//! the screen material's interface (a `fragment` entry point, bindings 0-2
//! of group 2, vertex inputs the 2D mesh provides). Only a version that
//! passes replaces the shader the material draws with; one that fails
//! leaves the last good one drawing and is reported in [`ShaderStatus`]
//! until a later edit fixes it. The shipped versions are built into the
//! program too, so a missing folder still draws.

use std::collections::BTreeMap;
use std::path::Path;

use bevy::asset::io::{AssetSourceBuilder, Reader};
use bevy::asset::{AssetLoader, LoadContext};
use bevy::prelude::*;
use bevy::shader::Shader;

use crate::Preset;

/// The asset source id of the shaders folder (`shaders://crt.wgsl`).
pub const SHADER_SOURCE: &str = "shaders";

/// The shader each material draws with: always the last good version.
pub const CRT_SHADER: Handle<Shader> = bevy::asset::uuid_handle!("6c1b3a52-8d9e-4f0a-9b71-2e64c0d7a3f1");
pub const SHARP_SHADER: Handle<Shader> = bevy::asset::uuid_handle!("0f5e8d27-3a4b-4c6d-8e19-7b2a5c9d1e03");

const BUILT_IN: [(Preset, &str); 2] = [
    (Preset::Crt, include_str!("../../../shaders/crt.wgsl")),
    (Preset::Sharp, include_str!("../../../shaders/sharp.wgsl")),
];

impl Preset {
    fn shader(self) -> Handle<Shader> {
        match self {
            Preset::Crt => CRT_SHADER,
            Preset::Sharp => SHARP_SHADER,
        }
    }

    fn from_file(file: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.file() == file)
    }
}

/// Registers `dir` as the `shaders://` asset source. Must be called before
/// `DefaultPlugins` (the asset plugin builds its sources when added).
pub fn register_shader_source(app: &mut App, dir: &Path) {
    let dir = dir.to_string_lossy().into_owned();
    app.register_asset_source(SHADER_SOURCE, AssetSourceBuilder::platform_default(&dir, None));
}

/// What is wrong with a shader file, in words for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShaderProblem {
    pub file: String,
    /// 1-based line, when the error points at one.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for ShaderProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            (Some(line), None) => write!(f, "{}:{line}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The state of the shader files.
#[derive(Resource, Debug, Default)]
pub struct ShaderStatus {
    /// Files whose latest version was refused, by file name.
    pub problems: BTreeMap<String, ShaderProblem>,
    /// Versions read from disk and put to use (not counting the built-in ones).
    pub applied: u64,
}

/// Checks a version of a presentation shader. `file` names it in errors.
pub fn check(source: &str, file: &str) -> Result<(), ShaderProblem> {
    let at = |location: Option<naga::SourceLocation>, message: String| ShaderProblem {
        file: file.to_string(),
        line: location.map(|l| l.line_number),
        column: location.map(|l| l.line_position),
        message,
    };
    let module = naga::front::wgsl::parse_str(source).map_err(|e| at(e.location(source), e.to_string()))?;
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
        .validate(&module)
        .map_err(|e| {
            let mut message = e.as_inner().to_string();
            let mut cause = std::error::Error::source(e.as_inner());
            while let Some(c) = cause {
                message.push_str(": ");
                message.push_str(&c.to_string());
                cause = c.source();
            }
            at(e.location(source), message)
        })?;

    let Some(entry) = module.entry_points.iter().find(|e| e.stage == naga::ShaderStage::Fragment) else {
        return Err(at(None, "no @fragment entry point".into()));
    };
    if entry.name != "fragment" {
        return Err(at(None, format!("the fragment entry point must be named `fragment`, not `{}`", entry.name)));
    }
    for (_, global) in module.global_variables.iter() {
        if let Some(binding) = &global.binding
            && (binding.group != 2 || binding.binding > 2)
        {
            let name = global.name.as_deref().unwrap_or("?");
            return Err(at(
                None,
                format!(
                    "`{name}` is bound at @group({}) @binding({}); the screen provides @group(2) bindings 0 (parameters), 1 (texture), 2 (sampler)",
                    binding.group, binding.binding
                ),
            ));
        }
    }
    let mut inputs = Vec::new();
    for argument in &entry.function.arguments {
        match &argument.binding {
            Some(binding) => inputs.push(binding.clone()),
            None => {
                if let naga::TypeInner::Struct { members, .. } = &module.types[argument.ty].inner {
                    inputs.extend(members.iter().filter_map(|m| m.binding.clone()));
                }
            }
        }
    }
    for input in inputs {
        if let naga::Binding::Location { location, .. } = input
            && location > 2
        {
            return Err(at(
                None,
                format!("fragment input @location({location}) is not given by the 2D mesh (0: position, 1: normal, 2: uv)"),
            ));
        }
    }
    Ok(())
}

/// A WGSL file as text (the renderer's own shader loader is bypassed so
/// that nothing reaches it unchecked).
#[derive(Asset, TypePath, Debug, Clone)]
pub struct WgslFile {
    pub source: String,
}

#[derive(Debug, Default, TypePath)]
struct WgslFileLoader;

impl AssetLoader for WgslFileLoader {
    type Asset = WgslFile;
    type Settings = ();
    type Error = std::io::Error;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        _context: &mut LoadContext<'_>,
    ) -> Result<WgslFile, std::io::Error> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await?;
        let source = String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        Ok(WgslFile { source })
    }

    fn extensions(&self) -> &[&str] {
        &["wgsl"]
    }
}

/// Keeps the watched files loaded (and so watched) for the app's life.
#[derive(Resource, Debug)]
pub struct ShaderFiles(pub Vec<Handle<WgslFile>>);

pub(crate) struct ShadersPlugin;

impl Plugin for ShadersPlugin {
    fn build(&self, app: &mut App) {
        app.init_asset::<WgslFile>()
            .register_asset_loader(WgslFileLoader)
            .init_resource::<ShaderStatus>()
            .add_systems(Startup, (install_built_in, load_files))
            .add_systems(PreUpdate, (apply_edits, report_load_failures));
    }
}

fn install_built_in(mut shaders: ResMut<'_, Assets<Shader>>) {
    for (preset, source) in BUILT_IN {
        // The built-in versions are checked by this crate's tests.
        let _ = shaders.insert(&preset.shader(), Shader::from_wgsl(source, format!("built-in {}", preset.file())));
    }
}

fn load_files(mut commands: Commands<'_, '_>, server: Res<'_, AssetServer>) {
    // Without a registered source (a test, or a build without the folder)
    // the built-in shaders stay.
    if server.get_source(SHADER_SOURCE).is_err() {
        warn!("no `{SHADER_SOURCE}://` asset source: using the built-in shaders, without hot reload");
        return;
    }
    let handles = Preset::ALL
        .iter()
        .map(|p| server.load::<WgslFile>(format!("{SHADER_SOURCE}://{}", p.file())))
        .collect();
    commands.insert_resource(ShaderFiles(handles));
}

/// Takes each new version of a file that passes [`check`]; records the
/// problem of one that does not.
fn apply_edits(
    mut events: MessageReader<'_, '_, AssetEvent<WgslFile>>,
    files: Res<'_, Assets<WgslFile>>,
    server: Res<'_, AssetServer>,
    mut shaders: ResMut<'_, Assets<Shader>>,
    mut status: ResMut<'_, ShaderStatus>,
) {
    for event in events.read() {
        let (AssetEvent::Added { id } | AssetEvent::Modified { id }) = *event else { continue };
        let (Some(file), Some(path)) = (files.get(id), server.get_path(id)) else { continue };
        let name = path.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(preset) = Preset::from_file(&name) else { continue };
        match check(&file.source, &name) {
            Ok(()) => {
                let _ = shaders.insert(&preset.shader(), Shader::from_wgsl(file.source.clone(), path.to_string()));
                status.applied += 1;
                if status.problems.remove(&name).is_some() {
                    info!("{name}: fixed, drawing with the new version");
                } else {
                    info!("{name}: loaded");
                }
            }
            Err(problem) => {
                error!("{problem} (the last good version keeps drawing)");
                status.problems.insert(name, problem);
            }
        }
    }
}

fn report_load_failures(
    mut failures: MessageReader<'_, '_, bevy::asset::AssetLoadFailedEvent<WgslFile>>,
    mut status: ResMut<'_, ShaderStatus>,
) {
    for failure in failures.read() {
        let name = failure.path.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let problem = ShaderProblem { file: name.clone(), line: None, column: None, message: failure.error.to_string() };
        error!("{problem} (the last good version keeps drawing)");
        status.problems.insert(name, problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_shaders_pass_the_check() {
        for (preset, source) in BUILT_IN {
            check(source, preset.file()).unwrap_or_else(|p| panic!("{p}"));
        }
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let broken = BUILT_IN[0].1.replacen("let uv = bend(in.uv);", "let uv = bend(in.uv) +;", 1);
        let line = broken.lines().position(|l| l.contains("bend(in.uv) +;")).unwrap() as u32 + 1;
        let problem = check(&broken, "crt.wgsl").unwrap_err();
        assert_eq!(problem.file, "crt.wgsl");
        assert_eq!(problem.line, Some(line), "{problem}");
        assert!(problem.to_string().starts_with(&format!("crt.wgsl:{line}:")), "{problem}");
    }

    #[test]
    fn a_type_error_is_caught_before_the_renderer_sees_it() {
        let broken = BUILT_IN[1].1.replacen("return vec4<f32>(", "return vec3<f32>(", 1);
        assert!(check(&broken, "sharp.wgsl").is_err());
    }

    #[test]
    fn a_shader_that_does_not_fit_the_material_is_refused() {
        let wrong_group = BUILT_IN[1].1.replace("@group(2) @binding(1)", "@group(1) @binding(1)");
        assert!(check(&wrong_group, "sharp.wgsl").unwrap_err().message.contains("@group(1)"));
        let renamed = BUILT_IN[1].1.replace("fn fragment(", "fn main(");
        assert!(check(&renamed, "sharp.wgsl").unwrap_err().message.contains("`main`"));
        let extra_input = BUILT_IN[1].1.replace("@location(2) uv", "@location(4) uv");
        assert!(check(&extra_input, "sharp.wgsl").unwrap_err().message.contains("@location(4)"));
    }
}
