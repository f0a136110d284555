//! Writes the frontend's sounds (`phosphor_audio::ui::synth`) as WAV files
//! under `assets/sounds/ui/`, where the app loads them from:
//! `cargo run -p phosphor-audio --example ui-sounds`.

use phosphor_audio::ui::{synth, UiSound};

fn main() -> std::io::Result<()> {
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    for sound in UiSound::ALL {
        let path = assets.join(sound.asset_path());
        std::fs::create_dir_all(path.parent().expect("a folder"))?;
        let wav = synth::wav(sound);
        std::fs::write(&path, &wav)?;
        println!("{} ({} bytes)", path.display(), wav.len());
    }
    Ok(())
}
