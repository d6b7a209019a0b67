#!/usr/bin/env python3
"""The schematic of one neuron's front-end (seed 000 Fig. 3a), drawn with schemdraw from
frontend.cir: every part's reference, value and part number come from its `*@part` lines, so the
drawing and the netlist cannot name different parts.

    python3 Board/hardware/draw.py           write Board/hardware/frontend-neuron.svg
    python3 Board/hardware/draw.py --check   fail if the SVG is not what frontend.cir draws

The network (Fig. 5c) repeats the row stage per row and the column stage per neuron; its rows and
gates come from 74HC595 chains instead of the 74LVC244A (docs/hardware.md).
"""
import os
import sys

import schemdraw
import schemdraw.elements as elm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bom  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SVG = os.path.join(HERE, "frontend-neuron.svg")


def labels():
    """reference -> 'R11 10k' style label, and reference -> part number."""
    names, numbers = {}, {}
    for ref, mpn, value, *_ in bom.parts():
        names[ref] = f"{ref} {value}"
        numbers[ref] = mpn
    return names, numbers


def draw():
    name, mpn = labels()
    schemdraw.config(fontsize=10, lw=1.1)
    d = schemdraw.Drawing(show=False)
    d.config(unit=2.2)

    # Enable-gated control buffer (74LVC244A), bottom left: the SBC's lines in, switch controls out.
    d += (buffer := elm.Ic(pins=[
        elm.IcPin(name="row0", side="left"), elm.IcPin(name="row1", side="left"), elm.IcPin(name="T1", side="left"),
        elm.IcPin(name="T3", side="left"), elm.IcPin(name="READ", side="left"), elm.IcPin(name="/OE", side="bottom"),
        elm.IcPin(name="c_row0", side="right"), elm.IcPin(name="c_row1", side="right"), elm.IcPin(name="c_T1", side="right"),
        elm.IcPin(name="c_T3", side="right"), elm.IcPin(name="c_READ", side="right")],
        w=2.2, pinspacing=0.8, edgepadH=0.5).label(f"U12 {mpn['U12']} (3-state)", "top", fontsize=9).at((2, -9)))
    d += elm.Line().at(getattr(buffer, "/OE")).down(0.8)
    d += elm.Dot().label("/OE = enable (GPIO 4) + R15 10k to 3.3 V: outputs off without somad", "bottom", fontsize=8)
    for pin, text in (("row0", "GPIO row0"), ("row1", "GPIO row1"), ("T1", "GPIO T1"), ("T3", "GPIO T3"), ("READ", "GPIO READ")):
        d += elm.Line().at(getattr(buffer, pin)).left(0.6)
        d += elm.Tag().left().label(text, fontsize=8)
    for pin in ("c_row0", "c_row1", "c_T1", "c_T3", "c_READ"):
        d += elm.Line().at(getattr(buffer, pin)).right(0.8)
        d += elm.Tag().right().label(pin, fontsize=8)
    d += elm.Label().at((8.5, -11.2)).label("each control: R10 100k to GND (switch at its safe position)", fontsize=8)

    # Reference and fixed levels, top left.
    d += (ref := elm.Ic(pins=[elm.IcPin(name="VIN", side="left"), elm.IcPin(name="VOUT", side="right")], w=2, pinspacing=1)
          .label(f"U1 {mpn['U1']} 2.048 V", "top", fontsize=9).at((1, 9)))
    d += elm.Line().at(ref.VIN).left(0.6)
    d += elm.Tag().left().label("+5 V", fontsize=8)
    d += elm.Line().at(ref.VOUT).right(0.8)
    d += (vref := elm.Dot())
    d += elm.Resistor().down().label(name["R1"], fontsize=8)
    d += elm.Dot().label("V_READ 0.200 V", "right", fontsize=8)
    d += elm.Resistor().down().label(name["R2"], fontsize=8)
    d += elm.Ground()
    d += elm.Line().at(vref.center).right(4)
    d += elm.Resistor().down().label(name["R3"], fontsize=8)
    d += elm.Dot().label("V_CMP 0.297 V", "right", fontsize=8)
    d += elm.Resistor().down().label(name["R4"], fontsize=8)
    d += elm.Ground()

    # Pulse rail, middle row: DAC channel a -> read selector -> OPA569 -> 0.1 ohm -> rail, 47 uF.
    d += (dac := elm.Ic(pins=[elm.IcPin(name="I2C", side="left"), elm.IcPin(name="VOUTA", side="right")], w=2.4, pinspacing=1)
          .label(f"U2 {mpn['U2']}\nVDD 3.3 V, 2.048 V x2", "top", fontsize=9).anchor("VOUTA").at((5, 0)))
    d += elm.Line().at(dac.I2C).left(0.6)
    d += elm.Tag().left().label("I2C (3.3 V)", fontsize=8)
    d += elm.Line().at(dac.VOUTA).right(0.8)
    d += (sel := elm.SwitchSpdt2(action="close").right().label(f"U16 {mpn['U16']}\nc_READ: DAC / V_READ", "top", fontsize=8))
    d += elm.Line().at(sel.b).up(0.6)
    d += elm.Tag().up().label("V_READ", fontsize=8)
    d += elm.Line().at(sel.c).right(1.0)
    d += (amp := elm.Opamp(leads=True).anchor("in2").label(f"U3 {mpn['U3']}\nI_LIMIT 1.0 A", "bottom", fontsize=8))
    d += elm.Line().at(amp.out).right(0.5)
    d += (drv := elm.Dot())
    d += elm.Resistor().right().label(name["R7"], fontsize=8)
    d += (rail := elm.Dot().label("pulse rail", "bottom", fontsize=9))
    d += elm.Capacitor().down().label(name["C1"], fontsize=8)
    d += elm.Ground()
    d += elm.Line().at(amp.in1).left(0.4)
    d += elm.Line().up(2.0)
    d += (fb := elm.Dot())
    d += elm.Resistor().right().to((rail.center[0], fb.center[1])).label(name["R8"] + " (DC loop)", fontsize=8)
    d += elm.Line().down().to(rail.center)
    d += elm.Line().at(drv.center).up(1.0)
    d += elm.Capacitor().left().to((fb.center[0], drv.center[1] + 1.0)).label(name["C3"] + " (AC loop)", "bottom", fontsize=8)
    d += elm.Line().up().to(fb.center)

    # Row: TS5A23159 channel puts the row on the rail or on ground; S1 into node 1.
    d += elm.Line().at(rail.center).right(1.2)
    d += (row := elm.SwitchSpdt2(action="open").right().label(f"U4 {mpn['U4']}\nc_row0: rail / GND", "top", fontsize=8))
    d += elm.Line().at(row.b).down(0.6)
    d += elm.Ground()
    d += elm.Resistor().at(row.c).right().label("S1 10k (Fig. 3b)", fontsize=8)
    d += (node1 := elm.Dot().label("node 1", "bottom", fontsize=9))
    d += elm.Line().at(node1.center).up(1.2)
    d += elm.Resistor().up().label(name["R17"], "left", fontsize=8)
    d += elm.Ground().up()

    # Node 1 down through the TS neuron to node 2, the read-out resistor and the comparator.
    d += elm.Line().at(node1.center).down(1.0)
    d += elm.Memristor().down().label("TS neuron", "left", fontsize=8)
    d += (node2 := elm.Dot().label("node 2", "left", fontsize=9))
    d += elm.Resistor().down().label(name["R11"], "left", fontsize=8)
    d += elm.Ground()
    d += elm.Line().at(node2.center).right(1.2)
    d += (cmp := elm.Opamp(leads=True).flip().anchor("in2").label(f"U6 {mpn['U6']}", "bottom", fontsize=8))
    d += elm.Line().at(cmp.in1).down(0.8)
    d += elm.Tag().down().label("V_CMP", fontsize=8)
    d += elm.Line().at(cmp.out).right(0.5)
    d += elm.Tag().right().label("fire sense (GPIO)", fontsize=8)

    # T1 to the return (ground, or the read-out amplifier while c_READ is high); T3 to the lift rail.
    d += elm.Line().at(node1.center).right(3.0)
    d += (t1 := elm.Dot())
    d += elm.Switch().right().label("U5 T1 (c_T1)", "top", fontsize=8)
    d += (ret := elm.SwitchSpdt2(action="open").right().label("U5 return (c_READ):\nGND / read-out", "top", fontsize=8))
    d += elm.Line().at(ret.b).down(0.6)
    d += elm.Ground()
    d += elm.Line().at(ret.c).right(0.8)
    def inverting(label, feedback):
        """An inverting stage from the current point: feedback resistor over the top, output at right."""
        amp = elm.Opamp(leads=True).anchor("in1").label(label, "bottom", fontsize=8)
        d.add(amp)
        d.add(elm.Line().at(amp.in2).left(0.4))
        d.add(elm.Ground())
        d.add(elm.Line().at(amp.in1).up(1.4))
        d.add(elm.Resistor().right().to((amp.out[0] + 0.3, amp.in1[1] + 1.4)).label(name[feedback], fontsize=8))
        d.add(elm.Line().down().to((amp.out[0] + 0.3, amp.out[1])))
        d.add(elm.Line().left().to(amp.out))
        return amp

    tia = inverting(f"U7 {mpn['U7']}, +-5 V", "R12")
    d += elm.Resistor().at((tia.out[0] + 0.3, tia.out[1])).right().label(name["R13"], fontsize=8)
    inv = inverting("U7 gain -1.8", "R14")
    d += elm.Line().at((inv.out[0] + 0.3, inv.out[1])).right(0.5)
    d += elm.Tag().right().label(f"U8 {mpn['U8']} (0.07-1.8 V of 2.048 V)", fontsize=8)
    d += elm.Line().at(t1.center).up(2.6)
    d += elm.Switch().right().label("U5 T3 (c_T3)", "top", fontsize=8)
    d += elm.Line().right(0.5)
    d += elm.Tag().right().label("lift rail (MCP4728 c, OPA569)", fontsize=8)
    return d.get_imagedata("svg")


def main(argv):
    try:
        image = draw()
    except bom.Unreadable as error:
        print(f"draw: {error}", file=sys.stderr)
        return 2
    text = image.decode() if isinstance(image, bytes) else image
    return bom.write_or_check(SVG, text, "python3 Board/hardware/draw.py", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
