//! Palette RAM and colour (nesdev wiki: "PPU palettes", "NTSC video").
//!
//! The PPU outputs 6-bit colour indices plus three emphasis bits; turning
//! them into RGB is the television's job. [`NtscPalette`] does it by building
//! the composite signal the 2C02 emits for each index (a square wave between
//! two voltage levels, 12 phases per colour cycle) and decoding it as YIQ.

/// Palette RAM at power-on, as read back on one console (blargg's
/// power_up_palette test expects these values).
pub const POWER_ON_PALETTE: [u8; 32] = [
    0x09, 0x01, 0x00, 0x01, 0x00, 0x02, 0x02, 0x0D, 0x08, 0x10, 0x08, 0x24, 0x00, 0x00, 0x04, 0x2C, //
    0x09, 0x01, 0x34, 0x03, 0x00, 0x04, 0x00, 0x14, 0x08, 0x3A, 0x00, 0x02, 0x00, 0x20, 0x2C, 0x08,
];

/// Maps a palette address (5 bits) to its RAM cell: $10/$14/$18/$1C are
/// mirrors of $00/$04/$08/$0C.
#[inline]
pub fn mirror(entry: u8) -> usize {
    let entry = usize::from(entry & 0x1F);
    if entry & 0x13 == 0x10 { entry & 0x0F } else { entry }
}

/// Signal levels of the 2C02, in volts relative to sync, for luma 0-3:
/// the low and high halves of the colour square wave.
const LEVEL_LOW: [f32; 4] = [0.228, 0.312, 0.552, 0.880];
const LEVEL_HIGH: [f32; 4] = [0.616, 0.840, 1.100, 1.100];
const BLACK: f32 = 0.312;
const WHITE: f32 = 1.100;
/// Emphasis attenuates the signal during the phases of the emphasised colour.
const EMPHASIS_ATTENUATION: f32 = 0.746;
/// Hue rotation so that colour $x1 decodes to blue and $x6 to red.
const HUE_OFFSET_PHASES: f32 = 3.5;

/// RGB for each of the 512 (emphasis x colour) combinations.
#[derive(Clone)]
pub struct NtscPalette {
    rgb: [[u8; 3]; 512],
}

impl std::fmt::Debug for NtscPalette {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtscPalette").finish_non_exhaustive()
    }
}

impl Default for NtscPalette {
    fn default() -> Self {
        Self::new()
    }
}

impl NtscPalette {
    pub fn new() -> Self {
        let mut rgb = [[0u8; 3]; 512];
        for (pixel, out) in rgb.iter_mut().enumerate() {
            *out = decode(pixel as u16);
        }
        NtscPalette { rgb }
    }

    /// RGB of a frame-buffer entry (colour in bits 0-5, emphasis in 6-8).
    #[inline]
    pub fn rgb(&self, pixel: u16) -> [u8; 3] {
        self.rgb[usize::from(pixel & 0x1FF)]
    }

    /// Converts a whole frame to RGBA bytes (`out` holds 4 bytes per pixel).
    pub fn to_rgba(&self, frame: &[u16], out: &mut [u8]) {
        for (pixel, px) in frame.iter().zip(out.chunks_exact_mut(4)) {
            let [r, g, b] = self.rgb(*pixel);
            px.copy_from_slice(&[r, g, b, 0xFF]);
        }
    }
}

/// Composite signal of `pixel` at one of the 12 phases of the colour cycle.
fn signal(pixel: u16, phase: i32) -> f32 {
    let hue = i32::from(pixel & 0x0F);
    let luma = usize::from((pixel >> 4) & 0x03);
    let emphasis = (pixel >> 6) & 0x07;
    // Hues $E and $F are black; $D is the low level only; $0 the high level only.
    let luma = if hue >= 0x0E { 1 } else { luma };
    let in_phase = |h: i32| (h + phase).rem_euclid(12) < 6;
    let high = match hue {
        0 => true,
        0x0D..=0x0F => false,
        _ => in_phase(hue),
    };
    let mut level = if high { LEVEL_HIGH[luma] } else { LEVEL_LOW[luma] };
    if hue >= 0x0E {
        level = BLACK;
    }
    // Emphasis bits 0/1/2 (red/green/blue) darken the phases of hues 12, 4 and 8.
    let attenuate = (emphasis & 1 != 0 && in_phase(0x0C))
        || (emphasis & 2 != 0 && in_phase(0x04))
        || (emphasis & 4 != 0 && in_phase(0x08));
    if attenuate && hue < 0x0E {
        level *= EMPHASIS_ATTENUATION;
    }
    (level - BLACK) / (WHITE - BLACK)
}

fn decode(pixel: u16) -> [u8; 3] {
    let (mut y, mut i, mut q) = (0.0f32, 0.0f32, 0.0f32);
    for phase in 0..12 {
        let v = signal(pixel, phase);
        let angle = std::f32::consts::PI * (phase as f32 + HUE_OFFSET_PHASES) / 6.0;
        y += v;
        i += v * angle.cos();
        q += v * angle.sin();
    }
    y /= 12.0;
    i /= 12.0;
    q /= 12.0;
    // FCC YIQ to RGB; the factor 2 restores the amplitude halved by the average.
    let (i, q) = (i * 2.0, q * 2.0);
    let r = y + 0.956 * i + 0.621 * q;
    let g = y - 0.272 * i - 0.647 * q;
    let b = y - 1.106 * i + 1.703 * q;
    let to_u8 = |c: f32| (c.clamp(0.0, 1.0).powf(1.0 / 1.1) * 255.0).round() as u8;
    [to_u8(r), to_u8(g), to_u8(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_sprite_backdrop_entries() {
        assert_eq!(mirror(0x10), 0x00);
        assert_eq!(mirror(0x1C), 0x0C);
        assert_eq!(mirror(0x11), 0x11);
        assert_eq!(mirror(0x3F), 0x1F);
    }

    #[test]
    fn palette_has_black_white_and_distinct_hues() {
        let p = NtscPalette::new();
        let [r, g, b] = p.rgb(0x0F);
        assert!(r < 16 && g < 16 && b < 16, "$0F is black: {r} {g} {b}");
        let [r, g, b] = p.rgb(0x30);
        assert!(r > 230 && g > 230 && b > 230, "$30 is white: {r} {g} {b}");
        let blue = p.rgb(0x12);
        assert!(blue[2] > blue[0] + 60, "$12 is blue: {blue:?}");
        let red = p.rgb(0x16);
        assert!(red[0] > red[2] + 60, "$16 is red: {red:?}");
        let green = p.rgb(0x1A);
        assert!(green[1] > green[0] && green[1] > green[2], "$1A is green: {green:?}");
        // Red emphasis darkens blue more than red.
        let plain = p.rgb(0x20);
        let emph = p.rgb(0x20 | (1 << 6));
        assert!(emph[2] < plain[2] && emph[0] >= emph[2]);
    }
}
