; Phosphor's demo ROM: what plays when Phosphor starts with no ROM.
;
; A ship the first controller flies over a scrolling landscape, shooting at
; bouncing orbs, with music on two channels and sound effects on two more.
; It is small on purpose, but it exercises what a game does: a split screen
; made with sprite 0 (a fixed status bar over a scrolling playfield), OAM
; DMA, controller reads, all four tone and noise channels, vertical-blank
; updates of the nametable.
;
;   D-pad: fly     A: fire     Start: music on/off
;
; Assemble with build.sh (ca65 + ld65 from cc65). Tests read two bytes of
; RAM: the ship's X at $00 and Y at $01.

.segment "HEADER"
    .byte "NES", $1A
    .byte 1                 ; 16 KiB PRG ROM
    .byte 1                 ; 8 KiB CHR ROM
    .byte $01               ; mapper 0, vertical mirroring (horizontal scrolling)
    .byte $00
    .res 8, 0

; ---------------------------------------------------------------------------
; Hardware

PPUCTRL   = $2000
PPUMASK   = $2001
PPUSTATUS = $2002
OAMADDR   = $2003
PPUSCROLL = $2005
PPUADDR   = $2006
PPUDATA   = $2007
OAMDMA    = $4014
APUSTATUS = $4015
JOY1      = $4016
APUFRAME  = $4017

SQ1_VOL   = $4000
SQ1_SWEEP = $4001
SQ1_LO    = $4002
SQ1_HI    = $4003
SQ2_VOL   = $4004
SQ2_SWEEP = $4005
SQ2_LO    = $4006
SQ2_HI    = $4007
TRI_LIN   = $4008
TRI_LO    = $400A
TRI_HI    = $400B
NOISE_VOL = $400C
NOISE_LO  = $400E
NOISE_HI  = $400F

; NMI on, sprites from pattern table $1000, background from $0000.
CTRL_BASE = %10001000

; Buttons as read_pad leaves them in `pad` (first bit read ends in bit 7).
BTN_A      = %10000000
BTN_START  = %00010000
BTN_UP     = %00001000
BTN_DOWN   = %00000100
BTN_LEFT   = %00000010
BTN_RIGHT  = %00000001

OAM       = $0200           ; shadow sprite table, copied by DMA every frame
NORBS     = 6
TEMPO     = 10              ; frames per eighth note

; Playfield bounds (pixels).
TOP       = 36
BOTTOM    = 200
LEFTMOST  = 8
RIGHTMOST = 232

; Background tiles (pattern table $0000). Text uses ASCII codes as tiles.
T_BLANK   = $00
T_BAR     = $01
T_STAR1   = $02
T_STAR2   = $03
T_HILLTOP = $04
T_HILL    = $05
T_GRASS   = $06
T_DIRT1   = $07
T_DIRT2   = $08

; Sprite tiles (pattern table $1000).
S_MARK    = $01             ; sprite 0, hidden behind the status bar's line
S_SHIP    = $02             ; four tiles: top left, top right, bottom left, bottom right
S_ORB     = $06
S_SHOT    = $07

; ---------------------------------------------------------------------------
; Variables

.segment "ZEROPAGE"
player_x:    .res 1         ; $00: read by the tests
player_y:    .res 1         ; $01
nmi_count:   .res 1
pad:         .res 1
pad_old:     .res 1
pressed:     .res 1
scroll_lo:   .res 1
scroll_hi:   .res 1
shot_on:     .res 1
shot_x:      .res 1
shot_y:      .res 1
score:       .res 4         ; decimal digits, ones first
music_on:    .res 1
music_step:  .res 1
music_timer: .res 1
pew_timer:   .res 1
boom_timer:  .res 1
rng:         .res 1
row:         .res 1
col:         .res 1
table:       .res 1
orb_x:       .res NORBS
orb_y:       .res NORBS
orb_dx:      .res NORBS
orb_dy:      .res NORBS

; ---------------------------------------------------------------------------

.segment "CODE"

reset:
    sei
    cld
    ldx #$40
    stx APUFRAME            ; no frame IRQ
    ldx #$FF
    txs
    inx
    stx PPUCTRL
    stx PPUMASK
    stx $4010               ; no DMC IRQ
    bit PPUSTATUS
:   bit PPUSTATUS           ; first vertical blank: the PPU is warming up
    bpl :-

    lda #0
    tax
:   sta $00,x               ; clear RAM while waiting for the second one
    sta $0100,x
    sta $0300,x
    sta $0400,x
    sta $0500,x
    sta $0600,x
    sta $0700,x
    inx
    bne :-
    jsr hide_sprites

:   bit PPUSTATUS
    bpl :-

    jsr load_palette
    jsr draw_backgrounds
    jsr init_game
    jsr init_sound
    jsr build_sprites       ; sprite 0 must be there before the first split

    lda #0
    sta PPUSCROLL
    sta PPUSCROLL
    lda #CTRL_BASE
    sta PPUCTRL
    lda #%00011110          ; background and sprites, left column too
    sta PPUMASK

main_loop:
    lda nmi_count
:   cmp nmi_count           ; wait for the vertical blank to pass
    beq :-

    ; The status bar was drawn unscrolled; once sprite 0 hits (on the bar's
    ; bottom line), scroll the rest of the screen.
:   bit PPUSTATUS           ; the flag from the last frame clears at line -1
    bvs :-
:   bit PPUSTATUS
    bvc :-
    lda scroll_lo
    sta PPUSCROLL
    lda #0
    sta PPUSCROLL
    lda scroll_hi
    and #1
    ora #CTRL_BASE
    sta PPUCTRL

    jsr read_pad
    jsr move_player
    jsr move_shot
    jsr move_orbs
    jsr hit_orbs
    jsr build_sprites
    jsr play_music
    jsr play_effects

    inc scroll_lo           ; one pixel a frame, wrapping at 512
    bne :+
    inc scroll_hi
:   jmp main_loop

nmi:
    pha
    txa
    pha
    tya
    pha

    lda #0
    sta OAMADDR
    lda #>OAM
    sta OAMDMA

    bit PPUSTATUS           ; the score, at row 1, column 26
    lda #$20
    sta PPUADDR
    lda #$3A
    sta PPUADDR
    ldx #3
:   lda score,x
    ora #'0'
    sta PPUDATA
    dex
    bpl :-

    lda #0                  ; the status bar does not scroll
    sta PPUSCROLL
    sta PPUSCROLL
    lda #CTRL_BASE
    sta PPUCTRL

    inc nmi_count
    pla
    tay
    pla
    tax
    pla
irq:
    rti

; ---------------------------------------------------------------------------
; Set-up

hide_sprites:
    lda #$FF
    ldx #0
:   sta OAM,x
    inx
    bne :-
    rts

load_palette:
    bit PPUSTATUS
    lda #$3F
    sta PPUADDR
    lda #$00
    sta PPUADDR
    ldx #0
:   lda palette,x
    sta PPUDATA
    inx
    cpx #32
    bne :-
    rts

; Fills both nametables (the playfield is 512 pixels wide) and their
; attributes, tile by tile.
draw_backgrounds:
    lda #$5A
    sta rng
    lda #0
    sta table
@table:
    bit PPUSTATUS
    lda table
    asl a
    asl a
    ora #$20                ; $2000 or $2400
    sta PPUADDR
    lda #0
    sta PPUADDR
    sta row
@row:
    lda #0
    sta col
@col:
    jsr background_tile
    sta PPUDATA
    inc col
    lda col
    cmp #32
    bne @col
    inc row
    lda row
    cmp #30
    bne @row
    ldx #0                  ; attributes: one byte per 32x32 pixels
:   lda attributes,x
    sta PPUDATA
    inx
    cpx #64
    bne :-
    inc table
    lda table
    cmp #2
    bne @table
    rts

; The tile at (row, col) of nametable `table`, in A.
background_tile:
    lda row
    cmp #4
    bcs @sky
    cmp #1                  ; status bar
    bne :+
    lda table
    bne @blank
    ldx col
    lda status_text,x
    rts
:   cmp #3
    bne @blank
    lda #T_BAR
    rts
@sky:
    cmp #20
    bcs @hills
    jsr random
    and #$1F
    beq @star1
    cmp #1
    beq @star2
@blank:
    lda #T_BLANK
    rts
@star1:
    lda #T_STAR1
    rts
@star2:
    lda #T_STAR2
    rts
@hills:
    cmp #24
    bcs @ground
    lda table               ; hill height at this column (0-4 rows)
    lsr a
    ror a
    ror a
    ror a                   ; table * 32
    ora col
    tax
    lda #24
    sec
    sbc hill_heights,x      ; the hill's top row
    cmp row
    beq @top
    bcc @fill
    lda #T_BLANK
    rts
@top:
    lda #T_HILLTOP
    rts
@fill:
    lda #T_HILL
    rts
@ground:
    cmp #24
    bne :+
    lda #T_GRASS
    rts
:   clc
    adc col
    and #1
    beq :+
    lda #T_DIRT1
    rts
:   lda #T_DIRT2
    rts

init_game:
    lda #40
    sta player_x
    lda #112
    sta player_y
    lda #$9D
    sta rng
    ldx #NORBS - 1
:   lda orb_start_x,x
    sta orb_x,x
    lda orb_start_y,x
    sta orb_y,x
    lda orb_start_dx,x
    sta orb_dx,x
    lda orb_start_dy,x
    sta orb_dy,x
    dex
    bpl :-
    lda #1
    sta music_on
    sta music_timer
    rts

init_sound:
    lda #%00001111          ; both pulses, triangle, noise
    sta APUSTATUS
    lda #%10000110          ; pulse 1: half duty, decaying envelope
    sta SQ1_VOL
    lda #$08                ; sweep off (negate set so it never mutes)
    sta SQ1_SWEEP
    lda #%10110000          ; pulse 2 (effects): silent until used
    sta SQ2_VOL
    lda #%00110000          ; noise: silent until used
    sta NOISE_VOL
    lda #$80                ; triangle: silent until a bass note
    sta TRI_LIN
    rts

; ---------------------------------------------------------------------------
; Each frame

read_pad:
    lda pad
    sta pad_old
    lda #1
    sta JOY1
    lda #0
    sta JOY1
    ldx #8
:   lda JOY1
    lsr a
    rol pad
    dex
    bne :-
    lda pad_old
    eor #$FF
    and pad
    sta pressed
    rts

move_player:
    lda pad
    and #BTN_UP
    beq :+
    lda player_y
    cmp #TOP + 2
    bcc :+
    dec player_y
    dec player_y
:   lda pad
    and #BTN_DOWN
    beq :+
    lda player_y
    cmp #BOTTOM - 8
    bcs :+
    inc player_y
    inc player_y
:   lda pad
    and #BTN_LEFT
    beq :+
    lda player_x
    cmp #LEFTMOST + 2
    bcc :+
    dec player_x
    dec player_x
:   lda pad
    and #BTN_RIGHT
    beq :+
    lda player_x
    cmp #RIGHTMOST - 16
    bcs :+
    inc player_x
    inc player_x
:   lda pressed
    and #BTN_START
    beq :+
    jsr toggle_music
:   lda pressed
    and #BTN_A
    beq @done
    lda shot_on
    bne @done
    lda #1                  ; fire from the ship's nose
    sta shot_on
    lda player_x
    clc
    adc #14
    sta shot_x
    lda player_y
    clc
    adc #4
    sta shot_y
    jsr sound_pew
@done:
    rts

move_shot:
    lda shot_on
    beq @done
    lda shot_x
    clc
    adc #5
    sta shot_x
    cmp #245
    bcc @done
    lda #0
    sta shot_on
@done:
    rts

move_orbs:
    ldx #NORBS - 1
@next:
    lda orb_x,x
    clc
    adc orb_dx,x
    sta orb_x,x
    lda orb_dx,x            ; moving right: bounce at the right edge
    bmi @left
    lda orb_x,x
    cmp #240
    bcc @vertical
    bcs @flip_x
@left:
    lda orb_x,x
    cmp #LEFTMOST
    bcs @vertical
@flip_x:
    lda #0
    sec
    sbc orb_dx,x
    sta orb_dx,x
@vertical:
    lda orb_y,x
    clc
    adc orb_dy,x
    sta orb_y,x
    lda orb_dy,x
    bmi @up
    lda orb_y,x
    cmp #BOTTOM
    bcc @done
    bcs @flip_y
@up:
    lda orb_y,x
    cmp #TOP
    bcs @done
@flip_y:
    lda #0
    sec
    sbc orb_dy,x
    sta orb_dy,x
@done:
    dex
    bpl @next
    rts

; A shot within 7 pixels of an orb (both ways) pops it: a point, a bang,
; and the orb comes back from the right edge.
hit_orbs:
    lda shot_on
    beq @done
    ldx #NORBS - 1
@next:
    lda shot_x
    sec
    sbc orb_x,x
    clc
    adc #7
    cmp #15
    bcs @miss
    lda shot_y
    sec
    sbc orb_y,x
    clc
    adc #7
    cmp #15
    bcs @miss
    lda #0
    sta shot_on
    lda #236
    sta orb_x,x
    jsr random
    and #$7F
    clc
    adc #TOP + 20
    sta orb_y,x
    jsr add_point
    jsr sound_boom
    rts
@miss:
    dex
    bpl @next
@done:
    rts

add_point:
    ldy #0
:   lda score,y
    clc
    adc #1
    cmp #10
    bcc @store
    lda #0
    sta score,y
    iny
    cpy #4
    bne :-
    rts
@store:
    sta score,y
    rts

; Sprite 0 first (the split), then the ship, the shot and the orbs.
build_sprites:
    lda #23                 ; its one line lands on the bar's line (y 25)
    sta OAM + 0
    lda #S_MARK
    sta OAM + 1
    lda #%00100000          ; behind the background
    sta OAM + 2
    lda #128
    sta OAM + 3

    ldx #4
    ldy #0
@ship:
    lda player_y
    clc
    adc ship_dy,y
    sta OAM + 0,x
    lda ship_tiles,y
    sta OAM + 1,x
    lda #0
    sta OAM + 2,x
    lda player_x
    clc
    adc ship_dx,y
    sta OAM + 3,x
    inx
    inx
    inx
    inx
    iny
    cpy #4
    bne @ship

    lda #$FF                ; the shot, or nothing
    ldy shot_on
    beq :+
    lda shot_y
:   sta OAM + 20
    lda #S_SHOT
    sta OAM + 21
    lda #2
    sta OAM + 22
    lda shot_x
    sta OAM + 23

    ldx #24
    ldy #0
@orbs:
    lda orb_y,y
    sta OAM + 0,x
    lda #S_ORB
    sta OAM + 1,x
    tya                     ; alternate between two palettes
    and #1
    clc
    adc #1
    sta OAM + 2,x
    lda orb_x,y
    sta OAM + 3,x
    inx
    inx
    inx
    inx
    iny
    cpy #NORBS
    bne @orbs
    rts

; ---------------------------------------------------------------------------
; Sound

toggle_music:
    lda music_on
    eor #1
    sta music_on
    bne :+
    lda #%10110000          ; off: silence the melody and the bass
    sta SQ1_VOL
    lda #$80
    sta TRI_LIN
    rts
:   lda #%10000110
    sta SQ1_VOL
    lda #1
    sta music_timer
    rts

; One eighth note every TEMPO frames: the melody on pulse 1, and a bass
; note on the triangle every other step. 0 holds (melody) or rests (bass).
play_music:
    lda music_on
    beq @done
    dec music_timer
    bne @done
    lda #TEMPO
    sta music_timer
    ldx music_step
    ldy melody,x
    beq @bass
    lda periods_lo,y
    sta SQ1_LO
    lda periods_hi,y
    ora #%00001000          ; length counter long enough to ring out
    sta SQ1_HI
@bass:
    txa
    and #1
    bne @advance
    txa
    lsr a
    tax
    ldy bass,x
    bne :+
    lda #$80                ; rest
    sta TRI_LIN
    jmp @advance
:   lda #$FF
    sta TRI_LIN
    lda periods_lo,y
    sta TRI_LO
    lda periods_hi,y
    sta TRI_HI
@advance:
    inc music_step
    lda music_step
    cmp #64
    bcc @done
    lda #0
    sta music_step
@done:
    rts

sound_pew:
    lda #12
    sta pew_timer
    lda #%10010011          ; sweep down: period grows, pitch falls
    sta SQ2_SWEEP
    lda #$50
    sta SQ2_LO
    lda #$00
    sta SQ2_HI
    rts

sound_boom:
    lda #15
    sta boom_timer
    lda #$0C
    sta NOISE_LO
    lda #$00
    sta NOISE_HI
    rts

; Both effects fade out over their timers, a step a frame.
play_effects:
    lda pew_timer
    beq :+
    dec pew_timer
    ora #%10110000
    sta SQ2_VOL
    jmp :++
:   lda #%10110000
    sta SQ2_VOL
:   lda boom_timer
    beq :+
    dec boom_timer
    ora #%00110000
    sta NOISE_VOL
    rts
:   lda #%00110000
    sta NOISE_VOL
    rts

; 8-bit Galois LFSR.
random:
    lda rng
    asl a
    bcc :+
    eor #$1D
:   sta rng
    rts

; ---------------------------------------------------------------------------
; Data

.segment "RODATA"

palette:
    .byte $0F, $30, $10, $00    ; text, stars, status bar
    .byte $0F, $1A, $2A, $0A    ; hills
    .byte $0F, $17, $27, $07    ; ground
    .byte $0F, $30, $10, $00
    .byte $0F, $21, $30, $16    ; ship
    .byte $0F, $26, $36, $16    ; orbs, warm
    .byte $0F, $38, $30, $28    ; shot, orbs, bright
    .byte $0F, $30, $10, $00

; Palette 0 for the sky, 1 for rows 20-23 (hills), 2 for the ground.
attributes:
    .res 40, $00
    .res 8, $55
    .res 16, $AA

status_text:
    .byte "  PHOSPHOR DEMO     SCORE 0000  "

; Rows of hill above the ground, over the 64 columns of both nametables.
hill_heights:
    .byte 0,0,1,1,2,2,3,3,3,2,2,1,1,0,0,0, 1,2,2,2,1,1,0,0,0,0,1,1,2,3,4,4
    .byte 4,3,3,2,2,1,1,0,0,0,0,1,2,3,3,2, 1,1,0,0,1,1,2,2,2,3,3,2,1,1,0,0

ship_tiles: .byte S_SHIP, S_SHIP + 1, S_SHIP + 2, S_SHIP + 3
ship_dx:    .byte 0, 8, 0, 8
ship_dy:    .byte 0, 0, 8, 8

orb_start_x:  .byte 200, 120, 160, 60, 220, 100
orb_start_y:  .byte 60, 90, 150, 180, 120, 50
orb_start_dx: .byte <-1, 2, <-2, 1, <-1, 1
orb_start_dy: .byte 1, <-1, 1, <-2, 2, 1

; NTSC periods (CPU clock / (16 f) - 1) for C3 (index 1) up to C6 (37).
; The triangle sounds an octave below the pulses for the same period.
.linecont +
.define PERIODS 0, \
    $356, $326, $2F9, $2CE, $2A6, $280, $25C, $23A, $21A, $1FB, $1DF, $1C4, \
    $1AB, $193, $17C, $167, $152, $13F, $12D, $11C, $10C, $0FD, $0EF, $0E1, \
    $0D5, $0C9, $0BD, $0B3, $0A9, $09F, $096, $08E, $086, $07E, $077, $070, \
    $06A
.linecont -
periods_lo: .lobytes PERIODS
periods_hi: .hibytes PERIODS

; Note names as period indices.
C4 = 13
D4 = 15
E4 = 17
F4 = 18
G4 = 20
A4 = 22
B4 = 24
C5 = 25
D5 = 27
E5 = 29
F5 = 30
G5 = 32
A5 = 34
B5 = 36
C6 = 37

; Two phrases of eight bars, four eighth notes a bar.
melody:
    .byte C5, E5, G5, E5,  F5, A5, C6, A5,  G5, E5, C5, E5,  D5, F5, G5, 0
    .byte C5, E5, G5, E5,  A5, G5, F5, E5,  D5, E5, F5, D5,  C5, 0,  0,  0
    .byte E5, E5, G5, 0,   A5, G5, E5, 0,   F5, F5, A5, 0,   G5, F5, D5, 0
    .byte E5, G5, C6, 0,   B5, A5, G5, 0,   F5, D5, B4, D5,  C5, 0,  0,  0

; A quarter note each (two melody steps).
bass:
    .byte C4, G4,  F4, C4,  C4, G4,  G4, D4,  C4, G4,  F4, A4,  G4, D4,  C4, C4
    .byte C4, G4,  A4, E4,  F4, C4,  G4, D4,  C4, G4,  G4, D4,  F4, G4,  C4, 0

.segment "VECTORS"
    .word nmi, reset, irq

; ---------------------------------------------------------------------------
; Graphics. Each tile is drawn as 8 rows of 8 pixels: '.' is colour 0
; (transparent for sprites), '1' to '3' the palette's colours.

.macro ROWBITS row, bit
    .local value
    value .set 0
    .repeat 8, i
        .if (.strat(row, i) = '3') .or (bit = 1 .and .strat(row, i) = '1') .or (bit = 2 .and .strat(row, i) = '2')
            value .set value | ($80 >> i)
        .endif
    .endrepeat
    .byte value
.endmacro

.macro TILE r0, r1, r2, r3, r4, r5, r6, r7
    ROWBITS r0, 1
    ROWBITS r1, 1
    ROWBITS r2, 1
    ROWBITS r3, 1
    ROWBITS r4, 1
    ROWBITS r5, 1
    ROWBITS r6, 1
    ROWBITS r7, 1
    ROWBITS r0, 2
    ROWBITS r1, 2
    ROWBITS r2, 2
    ROWBITS r3, 2
    ROWBITS r4, 2
    ROWBITS r5, 2
    ROWBITS r6, 2
    ROWBITS r7, 2
.endmacro

; Leaves blank tiles up to tile number n of the current pattern table.
.macro AT n
    .res (n) * 16 - (* - table_start)
.endmacro

.segment "CHARS"
table_start:
    TILE "........","........","........","........","........","........","........","........"  ; blank
    TILE "........","33333333","........","........","........","........","........","........"  ; bar
    TILE "........","........","...1....","........","........","........","........","........"  ; star
    TILE "........","....2...","...212..","....2...","........","........","........","........"  ; bright star
    TILE "...11...","..1121..",".112221.","11222221","12222222","22222222","22222222","22222222"  ; hill top
    TILE "22222222","22232222","22222222","22222232","22222222","23222222","22222222","22222322"  ; hill
    TILE "11111111","12111211","22122212","22222222","32223222","22222222","22322222","22222222"  ; grass
    TILE "22222222","22322222","22222222","22222232","22222222","22232222","22222222","32222222"  ; dirt
    TILE "22222222","22222322","23222222","22222222","22222222","32222222","22223222","22222222"  ; dirt

    AT $30
    TILE ".1111...","11..11..","11.111..","111111..","1111.1..","111..1..",".1111...","........"  ; 0
    TILE "..11....",".111....","..11....","..11....","..11....","..11....","111111..","........"  ; 1
    TILE ".1111...","11..11..","....11..","..111...",".11.....","11......","111111..","........"  ; 2
    TILE ".1111...","11..11..","....11..","..111...","....11..","11..11..",".1111...","........"  ; 3
    TILE "...111..","..1111..",".11.11..","11..11..","1111111.","....11..","....11..","........"  ; 4
    TILE "111111..","11......","11111...","....11..","....11..","11..11..",".1111...","........"  ; 5
    TILE "..111...",".11.....","11......","11111...","11..11..","11..11..",".1111...","........"  ; 6
    TILE "111111..","11..11..","....11..","...11...","..11....","..11....","..11....","........"  ; 7
    TILE ".1111...","11..11..","11..11..",".1111...","11..11..","11..11..",".1111...","........"  ; 8
    TILE ".1111...","11..11..","11..11..",".11111..","....11..","...11...",".111....","........"  ; 9

    AT $41
    TILE "..11....",".1111...","11..11..","11..11..","111111..","11..11..","11..11..","........"  ; A
    TILE "11111...","11..11..","11..11..","11111...","11..11..","11..11..","11111...","........"  ; B
    TILE ".1111...","11..11..","11......","11......","11......","11..11..",".1111...","........"  ; C
    TILE "1111....","11.11...","11..11..","11..11..","11..11..","11.11...","1111....","........"  ; D
    TILE "111111..","11......","11......","11111...","11......","11......","111111..","........"  ; E
    TILE "111111..","11......","11......","11111...","11......","11......","11......","........"  ; F
    TILE ".1111...","11..11..","11......","11.111..","11..11..","11..11..",".11111..","........"  ; G
    TILE "11..11..","11..11..","11..11..","111111..","11..11..","11..11..","11..11..","........"  ; H
    TILE "111111..","..11....","..11....","..11....","..11....","..11....","111111..","........"  ; I
    TILE "....11..","....11..","....11..","....11..","11..11..","11..11..",".1111...","........"  ; J
    TILE "11..11..","11.11...","1111....","111.....","1111....","11.11...","11..11..","........"  ; K
    TILE "11......","11......","11......","11......","11......","11......","111111..","........"  ; L
    TILE "11...11.","111.111.","1111111.","11.1.11.","11...11.","11...11.","11...11.","........"  ; M
    TILE "11..11..","111.11..","111111..","11.111..","11..11..","11..11..","11..11..","........"  ; N
    TILE ".1111...","11..11..","11..11..","11..11..","11..11..","11..11..",".1111...","........"  ; O
    TILE "11111...","11..11..","11..11..","11111...","11......","11......","11......","........"  ; P
    TILE ".1111...","11..11..","11..11..","11..11..","11.111..","11..11..",".111.1..","........"  ; Q
    TILE "11111...","11..11..","11..11..","11111...","1111....","11.11...","11..11..","........"  ; R
    TILE ".1111...","11..11..","11......",".1111...","....11..","11..11..",".1111...","........"  ; S
    TILE "111111..","..11....","..11....","..11....","..11....","..11....","..11....","........"  ; T
    TILE "11..11..","11..11..","11..11..","11..11..","11..11..","11..11..",".1111...","........"  ; U
    TILE "11..11..","11..11..","11..11..","11..11..","11..11..",".1111...","..11....","........"  ; V
    TILE "11...11.","11...11.","11...11.","11.1.11.","1111111.","111.111.","11...11.","........"  ; W
    TILE "11..11..","11..11..",".1111...","..11....",".1111...","11..11..","11..11..","........"  ; X
    TILE "11..11..","11..11..","11..11..",".1111...","..11....","..11....","..11....","........"  ; Y
    TILE "111111..","....11..","...11...","..11....",".11.....","11......","111111..","........"  ; Z

    AT 256                  ; pattern table $1000: sprites
    TILE "........","........","........","........","........","........","........","........"  ; blank
    TILE "........","33333333","........","........","........","........","........","........"  ; sprite 0 mark
    TILE "........","33......","323.....","3223....",".32233..",".322222.","..322222","..322221"  ; ship
    TILE "........","........","........","........","........","1.......","21......","2221...."
    TILE "..322221","..322222",".322222.",".32233..","3223....","323.....","33......","........"
    TILE "2221....","21......","1.......","........","........","........","........","........"
    TILE "..1111..",".122221.","12233221","12333321","12333321","12233221",".122221.","..1111.."  ; orb
    TILE "........","........","........","12333321","12333321","........","........","........"  ; shot
