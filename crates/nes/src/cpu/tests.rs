//! CPU tests against a flat 64 KiB memory that records every bus access.

use super::*;

struct TestBus {
    mem: Vec<u8>,
    log: Vec<(Access, u16, u8)>,
    nmi: bool,
    irq: bool,
    /// A DMA that halts the CPU at its read number `.0` (counting logged
    /// accesses) for `.1` cycles.
    dma: Option<(usize, u8)>,
}

impl TestBus {
    /// Memory with `program` at $8000 and the reset vector pointing at it.
    fn with_program(program: &[u8]) -> Self {
        let mut mem = vec![0u8; 0x10000];
        mem[0x8000..0x8000 + program.len()].copy_from_slice(program);
        mem[0xFFFC] = 0x00;
        mem[0xFFFD] = 0x80;
        mem[0xFFFA] = 0x00; // NMI -> $9000
        mem[0xFFFB] = 0x90;
        mem[0xFFFE] = 0x00; // IRQ -> $A000
        mem[0xFFFF] = 0xA0;
        TestBus { mem, log: Vec::new(), nmi: false, irq: false, dma: None }
    }
}

impl CpuBus for TestBus {
    fn read(&mut self, addr: u16, access: Access) -> u8 {
        let v = self.mem[usize::from(addr)];
        self.log.push((access, addr, v));
        v
    }
    fn write(&mut self, addr: u16, value: u8, access: Access) {
        self.log.push((access, addr, value));
        self.mem[usize::from(addr)] = value;
    }
    fn nmi_line(&self) -> bool {
        self.nmi
    }
    fn irq_line(&self) -> bool {
        self.irq
    }
    fn dma_pending(&self) -> bool {
        matches!(self.dma, Some((at, left)) if at == self.log.len() && left > 0)
    }
    fn dma_cycle(&mut self, addr: u16) -> bool {
        match &mut self.dma {
            Some((_, left)) if *left > 0 => {
                *left -= 1;
                self.log.push((Access::DummyRead, addr, self.mem[usize::from(addr)]));
                true
            }
            _ => false,
        }
    }
}

fn boot(program: &[u8]) -> (Cpu, TestBus) {
    let mut bus = TestBus::with_program(program);
    let mut cpu = Cpu::new();
    cpu.power_on(&mut bus);
    bus.log.clear();
    (cpu, bus)
}

/// Cycles taken by the next instruction.
fn cycles_of(cpu: &mut Cpu, bus: &mut TestBus) -> u64 {
    let before = cpu.cycles;
    cpu.step(bus);
    cpu.cycles - before
}

#[test]
fn power_on_state() {
    let (cpu, _) = boot(&[]);
    assert_eq!(cpu.pc, 0x8000);
    assert_eq!(cpu.s, 0xFD);
    assert_eq!(cpu.p, 0x24);
    assert_eq!(cpu.cycles, 7);
}

#[test]
fn reset_keeps_registers_and_memory() {
    let (mut cpu, mut bus) = boot(&[0xA9, 0x42, 0xA2, 0x17]); // LDA #$42; LDX #$17
    cpu.step(&mut bus);
    cpu.step(&mut bus);
    let stack_before = bus.mem[0x100..0x200].to_vec();
    cpu.reset(&mut bus);
    assert_eq!((cpu.a, cpu.x, cpu.s), (0x42, 0x17, 0xFA));
    assert_ne!(cpu.p & flag::I, 0);
    assert_eq!(&bus.mem[0x100..0x200], &stack_before[..], "reset must not write the stack");
}

#[test]
fn absolute_indexed_read_pays_only_on_page_cross() {
    // LDX #$10; LDA $80F8,X (crosses); LDA $8000,X (does not)
    let (mut cpu, mut bus) = boot(&[0xA2, 0x10, 0xBD, 0xF8, 0x80, 0xBD, 0x00, 0x80]);
    cpu.step(&mut bus);
    bus.log.clear();
    assert_eq!(cycles_of(&mut cpu, &mut bus), 5);
    // The dummy read hits $8008: the low byte added, the high byte not yet fixed.
    assert_eq!(bus.log[3], (Access::DummyRead, 0x8008, bus.mem[0x8008]));
    assert_eq!(bus.log[4].1, 0x8108);
    assert_eq!(cycles_of(&mut cpu, &mut bus), 4);
}

#[test]
fn store_indexed_always_makes_the_dummy_read() {
    // LDY #$01; STA $0200,Y
    let (mut cpu, mut bus) = boot(&[0xA0, 0x01, 0x99, 0x00, 0x02]);
    cpu.step(&mut bus);
    bus.log.clear();
    assert_eq!(cycles_of(&mut cpu, &mut bus), 5);
    assert_eq!(bus.log[3].0, Access::DummyRead);
    assert_eq!(bus.log[3].1, 0x0201);
}

#[test]
fn read_modify_write_writes_twice() {
    // INC $10 with $10 = 7
    let (mut cpu, mut bus) = boot(&[0xE6, 0x10]);
    bus.mem[0x10] = 7;
    assert_eq!(cycles_of(&mut cpu, &mut bus), 5);
    let writes: Vec<_> = bus.log.iter().filter(|(a, ..)| matches!(a, Access::Write | Access::DummyWrite)).collect();
    assert_eq!(writes, [&(Access::DummyWrite, 0x10, 7), &(Access::Write, 0x10, 8)]);
}

#[test]
fn branch_timing() {
    // SEC; BCS +0 (taken, same page); CLC; BCS (not taken)
    let (mut cpu, mut bus) = boot(&[0x38, 0xB0, 0x00, 0x18, 0xB0, 0x00]);
    cpu.step(&mut bus);
    assert_eq!(cycles_of(&mut cpu, &mut bus), 3);
    cpu.step(&mut bus);
    assert_eq!(cycles_of(&mut cpu, &mut bus), 2);
    // A taken branch that crosses a page takes 4 cycles.
    let mut prog = vec![0xEA; 0xFF];
    prog[0xFB] = 0x38; // SEC at $80FB
    prog[0xFC] = 0xB0; // BCS +$10 at $80FC -> next $80FE, target $810E
    prog[0xFD] = 0x10;
    let (mut cpu, mut bus) = boot(&prog);
    cpu.pc = 0x80FB;
    cpu.step(&mut bus);
    assert_eq!(cycles_of(&mut cpu, &mut bus), 4);
    assert_eq!(cpu.pc, 0x810E);
}

#[test]
fn jam_is_a_state_not_a_panic() {
    let (mut cpu, mut bus) = boot(&[0x02]);
    cpu.step(&mut bus);
    assert!(cpu.jammed);
    let pc = cpu.pc;
    for _ in 0..10 {
        cpu.step(&mut bus);
    }
    assert_eq!(cpu.pc, pc);
    assert!(cpu.cycles > 10, "the bus keeps being clocked while jammed");
    cpu.reset(&mut bus);
    assert!(!cpu.jammed);
}

#[test]
fn irq_waits_one_instruction_after_cli() {
    // SEI; CLI; NOP; NOP
    let (mut cpu, mut bus) = boot(&[0x78, 0x58, 0xEA, 0xEA]);
    bus.irq = true;
    cpu.step(&mut bus); // SEI
    cpu.step(&mut bus); // CLI: the IRQ is not taken right after it
    assert_eq!(cpu.pc, 0x8002);
    cpu.step(&mut bus); // NOP runs, then the IRQ is taken
    assert_eq!(cpu.pc, 0xA000);
    // The pushed status has B clear and the return address is the second NOP.
    assert_eq!(bus.mem[0x01FB] & flag::B, 0);
    assert_eq!(u16::from_le_bytes([bus.mem[0x01FB + 1], bus.mem[0x01FB + 2]]), 0x8003);
}

#[test]
fn nmi_is_edge_triggered() {
    let (mut cpu, mut bus) = boot(&[0xEA; 16]);
    bus.mem[0x9000..0x9010].fill(0xEA); // the handler is NOPs too
    bus.nmi = true;
    cpu.step(&mut bus);
    assert_eq!(cpu.pc, 0x9000, "an NMI edge is taken after the instruction");
    for _ in 0..4 {
        cpu.step(&mut bus);
    }
    assert!(cpu.pc < 0x9008, "a held NMI line does not fire again");
}

#[test]
fn nmi_hijacks_brk() {
    let (mut cpu, mut bus) = boot(&[0x00, 0x00]);
    // Assert NMI during BRK's stack pushes: the NMI vector is used, B still pushed.
    let mut steps = 0;
    let mut hijack = Lines { inner: &mut bus, count: 0, nmi_at: 2, lead: 0, irq_high: &[] };
    cpu.step(&mut hijack);
    steps += 1;
    assert_eq!(cpu.pc, 0x9000, "after {steps} step");
    assert_ne!(bus.mem[0x01FB] & flag::B, 0, "BRK's pushed status keeps B");
}

/// Counts bus accesses: NMI high from access `nmi_at` on, IRQ high at
/// the end of access `lead + n` for each `n` in `irq_high`.
struct Lines<'a> {
    inner: &'a mut TestBus,
    count: usize,
    nmi_at: usize,
    lead: usize,
    irq_high: &'a [usize],
}

impl CpuBus for Lines<'_> {
    fn read(&mut self, addr: u16, access: Access) -> u8 {
        self.count += 1;
        self.inner.read(addr, access)
    }
    fn write(&mut self, addr: u16, value: u8, access: Access) {
        self.count += 1;
        self.inner.write(addr, value, access);
    }
    fn nmi_line(&self) -> bool {
        self.count >= self.nmi_at
    }
    fn irq_line(&self) -> bool {
        self.count > self.lead && self.irq_high.contains(&(self.count - self.lead))
    }
}

/// Whether a taken branch (at $80FD, after CLI and SEC) is followed by the
/// IRQ handler when IRQ is high at the end of the branch's cycles `high`.
fn branch_takes_irq(offset: u8, high: &[usize]) -> bool {
    let mut prog = vec![0xEA; 0x120];
    prog[0xFB] = 0x58; // CLI
    prog[0xFC] = 0x38; // SEC
    prog[0xFD] = 0xB0; // BCS offset
    prog[0xFE] = offset;
    let (mut cpu, mut bus) = boot(&prog);
    cpu.pc = 0x80FB;
    cpu.step(&mut bus);
    cpu.step(&mut bus);
    let lead = bus.log.len();
    let mut window = Lines { inner: &mut bus, count: lead, nmi_at: usize::MAX, lead, irq_high: high };
    cpu.step(&mut window);
    cpu.pc == 0xA000
}

#[test]
fn taken_branches_poll_irq_before_their_second_and_fourth_cycles_only() {
    // Same page ($80FF + 0): 3 cycles, one poll, at the end of cycle 1.
    assert!(branch_takes_irq(0x00, &[1]), "seen by the poll, then dropped: still taken");
    assert!(!branch_takes_irq(0x00, &[2]), "no poll before the third cycle");
    assert!(!branch_takes_irq(0x00, &[3]), "nor before the next instruction's first");
    // Across a page ($80FF + $10): 4 cycles, polls at the ends of 1 and 3.
    assert!(branch_takes_irq(0x10, &[1]), "seen by the first poll, cleared, unseen by the second: taken");
    assert!(!branch_takes_irq(0x10, &[2]));
    assert!(branch_takes_irq(0x10, &[3]), "the poll before the fourth cycle");
}

#[test]
fn unofficial_opcodes_compute_documented_results() {
    // LDA #$F0; LDX #$3C; AXS #$10 -> X = ($F0 & $3C) - $10 = $20, C set
    let (mut cpu, mut bus) = boot(&[0xA9, 0xF0, 0xA2, 0x3C, 0xCB, 0x10]);
    for _ in 0..3 {
        cpu.step(&mut bus);
    }
    assert_eq!(cpu.x, 0x20);
    assert_ne!(cpu.p & flag::C, 0);
    // SHX $02F0,Y with Y=$20 crosses into $03: value = X & ($02+1), stored at (value<<8)|$10.
    let (mut cpu, mut bus) = boot(&[0xA2, 0xFF, 0xA0, 0x20, 0x9E, 0xF0, 0x02]);
    for _ in 0..3 {
        cpu.step(&mut bus);
    }
    assert_eq!(bus.mem[0x0310], 0x03);
    // LAX $10: A = X = memory.
    let (mut cpu, mut bus) = boot(&[0xA7, 0x10]);
    bus.mem[0x10] = 0x81;
    cpu.step(&mut bus);
    assert_eq!((cpu.a, cpu.x), (0x81, 0x81));
    assert_ne!(cpu.p & flag::N, 0);
}

/// SHX $02F0,Y with X=$F5, Y=$20 (a page crossing) stores X & ($02+1) = $01
/// at $0110 (the high byte replaced by the value). A DMA that halts the CPU
/// at the instruction's fix-up read (RDY low from the cycle before it)
/// drops the "& (H+1)": X itself goes to the right address, $0310. A DMA
/// at the high-byte fetch before it changes nothing.
#[test]
fn shx_halted_by_dma_at_its_fix_up_read_stores_the_register_at_the_true_address() {
    let program = [0xA2, 0xF5, 0xA0, 0x20, 0x9E, 0xF0, 0x02];
    // Accesses: LDX 0-1, LDY 2-3, SHX opcode 4, low 5, high 6, fix-up 7, write 8.
    let run = |dma: Option<(usize, u8)>| {
        let (mut cpu, mut bus) = boot(&program);
        bus.dma = dma;
        for _ in 0..3 {
            cpu.step(&mut bus);
        }
        (bus.mem[0x0110], bus.mem[0x0310])
    };
    assert_eq!(run(None), (0x01, 0x00));
    assert_eq!(run(Some((6, 3))), (0x01, 0x00), "halted at the high-byte fetch: as without");
    assert_eq!(run(Some((7, 3))), (0x00, 0xF5), "halted at the fix-up read");
    // SHA ($10),Y (A & X) and TAS go the same way.
    let (mut cpu, mut bus) = boot(&[0xA9, 0xF7, 0xA2, 0xFD, 0xA0, 0x20, 0x93, 0x10]);
    bus.mem[0x10] = 0xF0;
    bus.mem[0x11] = 0x02;
    // LDA 0-1, LDX 2-3, LDY 4-5, SHA opcode 6, pointer 7, low 8, high 9, fix-up 10.
    bus.dma = Some((10, 4));
    for _ in 0..4 {
        cpu.step(&mut bus);
    }
    assert_eq!((bus.mem[0x0110], bus.mem[0x0310]), (0x00, 0xF5));
}
