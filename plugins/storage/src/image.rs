//! NES frames as PNG files.

use phosphor_nes::{NtscPalette, HEIGHT, WIDTH};

/// The frame at full size (256 x 240), through the NTSC palette.
pub fn frame_png(palette: &NtscPalette, pixels: &[u16]) -> Result<Vec<u8>, png::EncodingError> {
    let mut rgba = vec![0u8; WIDTH * HEIGHT * 4];
    palette.to_rgba(pixels, &mut rgba);
    encode(&rgba, WIDTH as u32, HEIGHT as u32)
}

/// A half-size thumbnail (128 x 120, each pixel the average of four) for
/// save-state slots.
pub fn thumbnail_png(palette: &NtscPalette, pixels: &[u16]) -> Result<Vec<u8>, png::EncodingError> {
    let (w, h) = (WIDTH / 2, HEIGHT / 2);
    let mut rgba = vec![0u8; w * h * 4];
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0u32; 3];
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let rgb = palette.rgb(pixels[(2 * y + dy) * WIDTH + 2 * x + dx]);
                for c in 0..3 {
                    sum[c] += u32::from(rgb[c]);
                }
            }
            let out = &mut rgba[(y * w + x) * 4..][..4];
            out.copy_from_slice(&[(sum[0] / 4) as u8, (sum[1] / 4) as u8, (sum[2] / 4) as u8, 0xFF]);
        }
    }
    encode(&rgba, w as u32, h as u32)
}

/// A rendered image (8-bit RGBA or BGRA, as a screenshot of the window
/// comes back) as PNG.
pub fn rgba_image_png(image: &bevy::image::Image) -> Result<Vec<u8>, String> {
    use bevy::render::render_resource::TextureFormat;
    let size = image.texture_descriptor.size;
    let data = image.data.as_ref().ok_or("the picture has no pixels")?;
    let format = image.texture_descriptor.format;
    let bgra = matches!(format, TextureFormat::Bgra8Unorm | TextureFormat::Bgra8UnormSrgb);
    if !bgra && !matches!(format, TextureFormat::Rgba8Unorm | TextureFormat::Rgba8UnormSrgb) {
        return Err(format!("cannot save pictures in {format:?}"));
    }
    let mut rgba = data.clone();
    if bgra {
        for px in rgba.chunks_exact_mut(4) {
            px.swap(0, 2);
        }
    }
    for px in rgba.chunks_exact_mut(4) {
        px[3] = 0xFF;
    }
    encode(&rgba, size.width, size.height).map_err(|e| e.to_string())
}

fn encode(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn frame_and_thumbnail_keep_the_picture() {
        let palette = NtscPalette::new();
        // Left half colour $16 (red), right half $2A (green).
        let pixels: Vec<u16> = (0..WIDTH * HEIGHT).map(|i| if i % WIDTH < WIDTH / 2 { 0x16 } else { 0x2A }).collect();
        let (info, full) = decode(&frame_png(&palette, &pixels).unwrap());
        assert_eq!((info.width, info.height), (256, 240));
        assert_eq!(&full[..3], &palette.rgb(0x16));
        assert_eq!(&full[(255 * 4)..][..3], &palette.rgb(0x2A));
        let (info, thumb) = decode(&thumbnail_png(&palette, &pixels).unwrap());
        assert_eq!((info.width, info.height), (128, 120));
        assert_eq!(&thumb[..3], &palette.rgb(0x16));
        assert_eq!(&thumb[(127 * 4)..][..3], &palette.rgb(0x2A));
    }
}
