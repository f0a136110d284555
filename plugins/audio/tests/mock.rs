//! The audio plugin in a headless app on kira's mock backend: the sound it
//! plays consumes the emulator's ring, in the device's rhythm.

use bevy::prelude::*;
use kira::backend::mock::MockBackend;
use phosphor_audio::{AudioPlugin, SoundOutput, SoundReport};
use phosphor_emulation::SoundFeed;

#[test]
fn the_sound_consumes_the_ring_on_the_mock_backend() {
    let (mut feed, output) = phosphor_rt::detached_audio(48_000, 4096, 0);
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(SoundFeed::new(Some(output)))
        .add_plugins(AudioPlugin { mock: true });
    app.update();

    let report = app.world().resource::<SoundReport>().clone();
    assert_eq!(report.silent, None);
    assert_eq!(report.sample_rate, 48_000);
    assert!(app.world().resource::<SoundFeed>().is_empty(), "the ring moved into the sound");

    let samples: Vec<f32> = (0..4000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
    assert_eq!(feed.push(&samples), 4000);
    assert_eq!(feed.queued(), 4000);

    let mut sound = app.world_mut().resource_mut::<SoundOutput<MockBackend>>();
    let sound = &mut *sound;
    let backend = sound.manager.get().backend_mut();
    backend.on_start_processing();
    // Each pass of the mock backend renders one internal buffer.
    for _ in 0..10 {
        backend.process();
    }
    let played = sound.stream.played();
    assert!(played >= 10, "frames played: {played}");
    assert_eq!(feed.queued(), 4000 - played as usize, "one ring sample per device frame");
    assert_eq!(feed.stats().underruns, 0);

    // Played dry, the ring underruns and the stream keeps going (silence).
    for _ in 0..100 {
        backend.process();
    }
    assert_eq!(feed.queued(), 0);
    assert!(feed.stats().underruns >= 1);
}
