; Input-to-photon test ROM (ours): the backdrop is white while controller 1
; holds A, black otherwise. The NMI handler reads the controller and writes
; the backdrop colour in the same vertical blank, so the picture drawn right
; after the strobe that read a press is the first changed one (in Phosphor,
; the frame after the one whose strobe read it). Every tile
; of the pattern table is blank: the whole screen is the backdrop.
;
; Build: tests/roms/build.sh (ca65 and ld65 from Debian's cc65).

.segment "HEADER"
    .byte "NES", $1A
    .byte 1             ; 16 KiB PRG
    .byte 1             ; 8 KiB CHR
    .byte $00, $00      ; NROM, horizontal mirroring
    .res 8, 0

.segment "ZEROPAGE"
held: .res 1

.segment "CODE"
reset:
    sei
    cld
    ldx #$40
    stx $4017           ; no APU frame IRQ
    ldx #$FF
    txs
    inx
    stx $2000           ; NMI off while setting up
    stx $2001           ; rendering off
    stx $4010
    bit $2002
@wait1:
    bit $2002
    bpl @wait1
@wait2:
    bit $2002
    bpl @wait2
    lda #$0F
    jsr set_backdrop
    lda #$80
    sta $2000           ; NMI on
    lda #%00001010
    sta $2001           ; background on, also in the left 8 pixels
forever:
    jmp forever

; A: the colour.
set_backdrop:
    ldx #$3F
    stx $2006
    ldx #$00
    stx $2006
    sta $2007
    ; Back to the top-left before rendering starts.
    stx $2006
    stx $2006
    stx $2005
    stx $2005
    rts

nmi:
    pha
    txa
    pha
    lda #1
    sta $4016
    lda #0
    sta $4016
    lda $4016           ; A is the first bit
    and #1
    sta held
    tax
    lda colours, x
    jsr set_backdrop
    pla
    tax
    pla
irq:
    rti

.segment "RODATA"
colours:
    .byte $0F, $30      ; black, white

.segment "VECTORS"
    .word nmi, reset, irq

.segment "CHARS"
    .res $2000, $00
