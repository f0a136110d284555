// sharp.wgsl: crisp pixels at any size. The picture is as if scaled up by
// the largest whole factor with nearest-neighbour (hard edges), then the
// rest of the way with bilinear filtering, so edges stay one output pixel
// soft instead of uneven (as nearest-neighbour at 8:7 or non-integer sizes
// would leave them).
//
// Phosphor's video plugin hot-reloads this file.

struct Screen {
    source_size: vec2<f32>,
    output_size: vec2<f32>,
    scanlines: f32,
    mask: f32,
    curvature: f32,
    bloom: f32,
}

@group(2) @binding(0) var<uniform> screen: Screen;
@group(2) @binding(1) var frame: texture_2d<f32>;
@group(2) @binding(2) var frame_sampler: sampler;

struct FragmentIn {
    @builtin(position) position: vec4<f32>,
    @location(2) uv: vec2<f32>,
}

@fragment
fn fragment(in: FragmentIn) -> @location(0) vec4<f32> {
    let texel = in.uv * screen.source_size;
    // The whole-number part of the scale, per axis (at least 1).
    let scale = max(floor(screen.output_size / screen.source_size), vec2<f32>(1.0));
    // Inside a texel, stay on its colour except within half an output pixel
    // of its edge, where the bilinear filter blends into the neighbour.
    let from_centre = fract(texel) - 0.5;
    let flat = 0.5 - 0.5 / scale;
    let blend = (from_centre - clamp(from_centre, -flat, flat)) * scale + 0.5;
    let uv = (floor(texel) + blend) / screen.source_size;
    return vec4<f32>(textureSampleLevel(frame, frame_sampler, uv, 0.0).rgb, 1.0);
}
