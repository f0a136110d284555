// crt.wgsl: a television's picture. Each NES line is a beam whose height
// grows with its brightness (dark gaps between lines), an aperture grille
// splits every output column into red, green and blue stripes, the tube's
// glass bends the picture a little, and bright pixels glow into their
// neighbours. Every effect has a strength in `screen`, 0 turning it off.
//
// Phosphor's video plugin hot-reloads this file: edit it while a game runs.
// An edit that does not compile leaves the last good version drawing and
// shows the error on screen.

struct Screen {
    // NES picture in texels (256 x 240) and the drawn area in pixels.
    source_size: vec2<f32>,
    output_size: vec2<f32>,
    // 0-1: how dark the gaps between lines get.
    scanlines: f32,
    // 0-1: strength of the aperture grille.
    mask: f32,
    // 0-0.2: how much the glass bends the picture.
    curvature: f32,
    // 0-1: glow of bright pixels.
    bloom: f32,
}

@group(2) @binding(0) var<uniform> screen: Screen;
@group(2) @binding(1) var frame: texture_2d<f32>;
@group(2) @binding(2) var frame_sampler: sampler;

struct FragmentIn {
    @builtin(position) position: vec4<f32>,
    @location(2) uv: vec2<f32>,
}

// Barrel distortion: points move outwards with the square of their
// distance from the centre along the other axis.
fn bend(uv: vec2<f32>) -> vec2<f32> {
    let centred = uv * 2.0 - 1.0;
    let offset = centred.yx * centred.yx * screen.curvature;
    return (centred + centred * offset) * 0.5 + 0.5;
}

fn fetch(uv: vec2<f32>) -> vec3<f32> {
    return textureSampleLevel(frame, frame_sampler, uv, 0.0).rgb;
}

@fragment
fn fragment(in: FragmentIn) -> @location(0) vec4<f32> {
    let uv = bend(in.uv);
    if (any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0))) {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    let texel = uv * screen.source_size;
    let one = 1.0 / screen.source_size;

    // The beam runs along the line's centre; horizontally the signal is
    // smooth (linear filtering), vertically it is one line.
    let row_uv = vec2<f32>(uv.x, (floor(texel.y) + 0.5) * one.y);
    var colour = fetch(row_uv);

    // Glow: a little of the neighbourhood's light, more from bright pixels.
    let around = (fetch(row_uv + vec2<f32>(one.x * 1.5, 0.0)) + fetch(row_uv - vec2<f32>(one.x * 1.5, 0.0))
        + fetch(row_uv + vec2<f32>(0.0, one.y)) + fetch(row_uv - vec2<f32>(0.0, one.y))) * 0.25;
    colour = colour + around * around * screen.bloom * 0.6;

    // Scanlines: a Gaussian beam profile across the line; brighter lines
    // are wider, so highlights fill the gaps as on a real tube.
    let luma = dot(colour, vec3<f32>(0.299, 0.587, 0.114));
    let width = mix(0.22, 0.42, clamp(luma, 0.0, 1.0));
    let distance = fract(texel.y) - 0.5;
    let beam = exp(-(distance * distance) / (2.0 * width * width));
    colour = colour * mix(1.0, beam * 1.15, screen.scanlines);

    // Aperture grille: output columns cycle through red, green and blue.
    let stripe = u32(in.position.x) % 3u;
    var grille = vec3<f32>(0.0);
    grille[stripe] = 1.0;
    colour = colour * mix(vec3<f32>(1.0), grille * 1.6 + 0.35, screen.mask);

    return vec4<f32>(clamp(colour, vec3<f32>(0.0), vec3<f32>(1.0)), 1.0);
}
