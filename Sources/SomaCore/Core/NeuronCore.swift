/// The digital half of a bank of hybrid memristor-CMOS neurons (seed 000 Fig. 3a), tick by tick.
///
/// All memory is reserved in `init` from the configuration; `step()` and `tick(on:)` allocate
/// nothing, lock nothing and never fail. The core is non-copyable because it owns that memory.
///
/// One tick (`tick(on:)`):
/// 1. the board fills the sensed lines (fire sense, or read-back lines in clock-and-monitor mode);
/// 2. `step()` computes CLK, the latches and gates of every neuron, the lateral inhibition of each
///    layer and the input rows, and records the tick's events;
/// 3. the board drives the lines.
///
/// Where each call may be made, in the spirit of LinuxCNC HAL: `init`, `present(pattern:)` from
/// the owner of the loop between ticks ("safe in tick" means it may be called on the loop thread
/// between ticks without allocating); everything marked "init only" must not be called once the
/// loop runs.
public struct NeuronCore: ~Copyable {
    /// The configuration the core was built from. Init only: reading it in the loop would retain
    /// the arrays it holds.
    public let configuration: NetworkConfiguration

    // Parameters frozen at start, as scalars so that the tick touches no reference-counted value.
    @usableFromInline let ticksPerPhase: UInt64
    @usableFromInline let ticksPerPeriod: UInt64
    @usableFromInline let pulseStart: UInt64
    @usableFromInline let pulseEnd: UInt64
    @usableFromInline let depression: DepressionPhase
    @usableFromInline let mode: OperatingMode
    /// `mode == .fullLogic`, as a plain Bool: comparing the enum would go through generic code.
    @usableFromInline let computesLogic: Bool
    @usableFromInline let tieRuleCode: UInt8
    /// One tick, in nanoseconds.
    public let tickNanoseconds: Int64
    public let neuronCount: Int
    public let rowCount: Int
    public let inputCount: Int
    public let layerCount: Int
    /// Patterns loaded (at start, or later by `loadPatterns`).
    public private(set) var patternCount: Int
    /// Patterns the core has room for: reserved at start, so loading a new set allocates nothing.
    public let patternCapacity: Int

    // Memory reserved at start.
    @usableFromInline let layers: UnsafeMutableBufferPointer<LayerState>
    @usableFromInline let signals: UnsafeMutableBufferPointer<NeuronSignals>
    @usableFromInline let fireSense: UnsafeMutableBufferPointer<Bool>
    @usableFromInline let monitored: UnsafeMutableBufferPointer<NeuronSignals>
    @usableFromInline let rows: UnsafeMutableBufferPointer<Bool>
    @usableFromInline let patternPixels: UnsafeMutableBufferPointer<Bool>
    /// Pixels flipped in the presented pattern (noisy presentations), and scratch to draw them.
    @usableFromInline let noiseMask: UnsafeMutableBufferPointer<Bool>
    let noiseScratch: UnsafeMutableBufferPointer<Int32>
    @usableFromInline let eventStorage: UnsafeMutableBufferPointer<NeuronEvent>
    /// All-low lines for the safe state, reserved at start so that stopping allocates nothing.
    let safeRows: UnsafeMutableBufferPointer<Bool>
    let safeNeurons: UnsafeMutableBufferPointer<NeuronSignals>

    @usableFromInline var eventCount: Int = 0
    /// The tick the events being recorded belong to.
    @usableFromInline var eventTick: UInt64 = 0
    @usableFromInline var pendingOverrunTicks: UInt64 = 0
    @usableFromInline var randomState: UInt64
    @usableFromInline var presentedPattern: Int = -1
    /// The pattern pulses' end in the period and their spacing, as a run set them
    /// (`setPatternPulses`); the profile's width, every period, by default.
    @usableFromInline var patternPulseEnd: UInt64
    @usableFromInline var patternPulseEvery: UInt64 = 1
    /// The clock period the presented pattern began in (pulses every k periods count from it).
    @usableFromInline var presentationPeriod: UInt64 = 0
    /// An input row kept grounded while patterns are presented, or −1 (`holdInputRowLow`).
    @usableFromInline var heldLowRow: Int = -1
    /// An input row that carries one pulse in the next pulse window, or −1 (`pulseInputRow`);
    /// `singlePulseActive` while that pulse is on.
    @usableFromInline var singlePulseRow: Int = -1
    @usableFromInline var singlePulseActive = false
    /// See `setInputAmplitude(volts:)`.
    public private(set) var inputAmplitudeVolts: Double?

    /// The tick `step()` will compute next (0 before the first).
    public var nextTick: UInt64 { currentTick }
    @usableFromInline var currentTick: UInt64 = 0
    /// Input pulses delivered since the current pattern was presented: the pulse count the
    /// "add pulses until a fire" protocols rely on.
    public private(set) var pulsesDelivered: UInt64 = 0
    /// Events dropped because a tick produced more than the reserved room (never expected: the
    /// room is sized for the worst case; kept as a counter so that it could never go unnoticed).
    public var droppedEvents: UInt64 { droppedEventCount }
    @usableFromInline var droppedEventCount: UInt64 = 0
    /// The device limits every tick's rows pass through on their way to the board (nil: none set).
    @usableFromInline var outputStage: OutputStage?
    public var outputLimits: OutputLimits? { outputStage?.limits }
    /// The board fault being reported tick after tick, if the last tick reported one.
    public var activeFault: FaultStreak? { faultStreak }
    @usableFromInline var faultStreak: FaultStreak?

    // A synapse access scheduled for the next tick (`access(_:layer:column:readVolts:)`).
    /// Rows selected for the access, network order.
    @usableFromInline let accessRows: UnsafeMutableBufferPointer<Bool>
    /// 0: none; otherwise `SynapseAccess.rawValue`. Cleared by the tick that performs it.
    @usableFromInline var accessCode: UInt8 = 0
    @usableFromInline var accessLayer: Int = 0
    /// The column accessed, or −1: every column of the layer.
    @usableFromInline var accessColumn: Int = -1
    @usableFromInline var accessReadVolts: Double = 0
    /// The read voltage the last computed tick drives on its selected rows (a read tick), or nil.
    @usableFromInline var drivenReadVolts: Double?
    /// Per neuron, the column current the board sensed after the last read tick (NaN: none).
    @usableFromInline let columnCurrents: UnsafeMutableBufferPointer<Double>

    /// Reserves all memory for `configuration` and `patterns`, with room for `patternCapacity`
    /// patterns in all (at least as many as `patterns` holds). Init only.
    ///
    /// Throws `ConfigurationError` naming the field when the configuration cannot run, or when the
    /// pattern bank was checked against a different input count.
    public init(configuration: NetworkConfiguration, patterns: PatternBank? = nil, patternCapacity: Int = 0) throws(ConfigurationError) {
        try configuration.validate()
        if let patterns, patterns.inputCount != configuration.inputs {
            throw ConfigurationError(
                field: "patterns", value: "\(patterns.inputCount) pixels per pattern",
                allowed: "exactly \(configuration.inputs) pixels, one per input row")
        }
        self.configuration = configuration
        let clock = configuration.clock
        ticksPerPhase = UInt64(clock.ticksPerPhase)
        tickNanoseconds = clock.tickNanoseconds
        ticksPerPeriod = UInt64(clock.ticksPerPeriod)
        let pulse = configuration.inputPulse
        pulseStart = (pulse.phase == .high ? 0 : UInt64(clock.ticksPerPhase)) + UInt64(pulse.offsetTicks)
        pulseEnd = pulseStart + UInt64(pulse.resolvedWidthTicks(clock))
        patternPulseEnd = pulseEnd
        depression = configuration.depression
        mode = configuration.mode
        computesLogic = configuration.mode == .fullLogic
        switch configuration.tieRule {
        case .lowestIndex:
            tieRuleCode = 0
            randomState = 0
        case .roundRobin:
            tieRuleCode = 1
            randomState = 0
        case .seededRandom(let seed):
            tieRuleCode = 2
            randomState = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
        }
        neuronCount = configuration.neuronCount
        rowCount = configuration.rowCount
        inputCount = configuration.inputs
        layerCount = configuration.layers.count

        layers = .allocate(capacity: layerCount)
        for (index, layout) in configuration.layerLayouts.enumerated() {
            layers.initializeElement(
                at: index,
                to: LayerState(
                    firstNeuron: layout.firstNeuron, neuronCount: layout.neurons,
                    firstRow: layout.firstRow, rowCount: layout.rows,
                    lateralInhibition: layout.lateralInhibition))
        }
        signals = .allocate(capacity: neuronCount)
        signals.initialize(repeating: [])
        fireSense = .allocate(capacity: neuronCount)
        fireSense.initialize(repeating: false)
        monitored = .allocate(capacity: neuronCount)
        monitored.initialize(repeating: [])
        rows = .allocate(capacity: rowCount)
        rows.initialize(repeating: false)
        let bank = patterns?.patterns ?? []
        patternCount = bank.count
        self.patternCapacity = max(bank.count, patternCapacity)
        patternPixels = .allocate(capacity: max(1, self.patternCapacity * configuration.inputs))
        patternPixels.initialize(repeating: false)
        for (index, pattern) in bank.enumerated() {
            for (row, pixel) in pattern.pixels.enumerated() {
                patternPixels[index * configuration.inputs + row] = pixel
            }
        }
        noiseMask = .allocate(capacity: configuration.inputs)
        noiseMask.initialize(repeating: false)
        noiseScratch = .allocate(capacity: configuration.inputs)
        noiseScratch.initialize(repeating: 0)
        safeRows = .allocate(capacity: rowCount)
        safeRows.initialize(repeating: false)
        safeNeurons = .allocate(capacity: neuronCount)
        safeNeurons.initialize(repeating: [])
        accessRows = .allocate(capacity: rowCount)
        accessRows.initialize(repeating: false)
        columnCurrents = .allocate(capacity: neuronCount)
        columnCurrents.initialize(repeating: .nan)
        eventStorage = .allocate(capacity: Self.eventCapacity(neurons: neuronCount, layers: layerCount))
        eventStorage.initialize(repeating: NeuronEvent(tick: 0, kind: .fire, layer: 0, neuron: 0))
        // Before the first tick every column is enabled (and may learn), as the LIA does with no
        // G3 high.
        for index in 0..<neuronCount { signals[index] = [.columnGate, .programming] }
    }

    deinit {
        layers.deallocate()
        signals.deallocate()
        fireSense.deallocate()
        monitored.deallocate()
        rows.deallocate()
        patternPixels.deallocate()
        noiseMask.deallocate()
        noiseScratch.deallocate()
        eventStorage.deallocate()
        safeRows.deallocate()
        safeNeurons.deallocate()
        accessRows.deallocate()
        columnCurrents.deallocate()
        outputStage?.deallocate()
    }

    /// Room for the worst tick: every neuron fires, spikes, and opens T1 and T3 at once, every
    /// layer releases and picks a winner, plus an overrun, two board faults and two clearings.
    static func eventCapacity(neurons: Int, layers: Int) -> Int { 4 * neurons + 2 * layers + 5 }

    // MARK: - Commands (safe in tick, between ticks)

    /// Starts driving pattern `index` on the input rows from the next tick on, and resets the
    /// pulse count. Returns false (and changes nothing) if there is no such pattern.
    @_noAllocation @_noLocks
    @discardableResult
    public mutating func present(pattern index: Int) -> Bool {
        present(pattern: index, flippingPixels: 0, seed: 0)
    }

    /// Like `present(pattern:)`, with `flippingPixels` distinct pixels of the pattern inverted (a
    /// noisy variant, seed 000 Fig. 5g/5k), chosen by `seed`: the same seed flips the same pixels.
    /// Returns false (and changes nothing) if there is no such pattern or `flippingPixels` is not
    /// in 0…inputCount. Safe in tick.
    @_noAllocation @_noLocks
    @discardableResult
    public mutating func present(pattern index: Int, flippingPixels: Int, seed: UInt64) -> Bool {
        guard index >= 0, index < patternCount, flippingPixels >= 0, flippingPixels <= inputCount else { return false }
        var row = 0
        while row < inputCount {
            noiseMask[row] = false
            noiseScratch[row] = Int32(truncatingIfNeeded: row)
            row += 1
        }
        // A partial Fisher–Yates shuffle picks the pixels.
        var state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
        var chosen = 0
        while chosen < flippingPixels {
            let pick = chosen + SeededDraw.below(inputCount - chosen, state: &state)
            noiseScratch.swapAt(chosen, pick)
            noiseMask[Int(noiseScratch[chosen])] = true
            chosen += 1
        }
        presentedPattern = index
        presentationPeriod = currentTick / ticksPerPeriod
        pulsesDelivered = 0
        return true
    }

    /// Whether pixel `row` of the presented pattern is flipped (a noisy presentation).
    public func isFlipped(_ row: Int) -> Bool { noiseMask[row] }

    /// Sets how layer `layer`'s LG lines (the synapse columns' access gates) are driven from the
    /// next tick on, and whether its learning windows may program synapses. Full-logic mode only:
    /// in clock-and-monitor mode the gates are read back from the board. Returns false (changes
    /// nothing) for a layer or neuron that does not exist. Safe in tick.
    @_noAllocation @_noLocks
    @discardableResult
    public mutating func setColumns(ofLayer layer: Int, _ gating: ColumnGating, plastic: Bool) -> Bool {
        guard layer >= 0, layer < layerCount else { return false }
        var code = -1
        switch gating {
        case .asWired: code = -1
        case .closed: code = -2
        case .only(let neuron):
            guard neuron >= 0, neuron < layers[layer].neuronCount else { return false }
            code = neuron
        }
        layers[layer].gatingCode = code
        layers[layer].plastic = plastic
        return true
    }

    /// Every layer back to its wiring: LG from the lateral inhibition (or always on), learning on.
    @_noAllocation @_noLocks
    public mutating func resetColumns() {
        var index = 0
        while index < layerCount {
            layers[index].gatingCode = -1
            layers[index].plastic = true
            index += 1
        }
    }

    /// Replaces the patterns with `count` new ones, `inputCount` pixels each, row-major in
    /// `pixels`, copied into the room reserved at start; withdraws the presented pattern. Returns
    /// false (and changes nothing) if they do not fit. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func loadPatterns(_ pixels: UnsafeBufferPointer<Bool>, count: Int) -> Bool {
        guard count >= 0, count <= patternCapacity, pixels.count == count * inputCount else { return false }
        var index = 0
        while index < pixels.count {
            patternPixels[index] = pixels[index]
            index += 1
        }
        patternCount = count
        presentedPattern = -1
        pulsesDelivered = 0
        return true
    }

    /// Asks the board for this pulse amplitude on the pattern rows from the next tick on (nil: the
    /// board's own). The caller checks it against the profile's limit first (the daemon's loop
    /// does); a board checks again at its output. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func setInputAmplitude(volts: Double?) {
        inputAmplitudeVolts = volts
    }

    /// Grounds every pattern input from the next tick on.
    @_noAllocation @_noLocks
    public mutating func withdrawPattern() {
        presentedPattern = -1
        pulsesDelivered = 0
    }

    /// The pattern being presented, if any.
    public var presented: Int? { presentedPattern >= 0 ? presentedPattern : nil }

    /// Pattern pulses `widthTicks` long, in every `everyPeriods`-th clock period from the one a
    /// presentation begins in (a characterisation's width and interval sweeps); the output stage
    /// still holds them to the profile's limits. Returns false (changes nothing) for a width
    /// that does not fit between the pulse's start and the period's end, or a spacing below 1.
    /// Safe in tick.
    @_noAllocation @_noLocks
    @discardableResult
    public mutating func setPatternPulses(widthTicks: Int, everyPeriods: Int) -> Bool {
        guard widthTicks >= 1, UInt64(widthTicks) <= ticksPerPeriod - pulseStart, everyPeriods >= 1 else { return false }
        patternPulseEnd = pulseStart + UInt64(widthTicks)
        patternPulseEvery = UInt64(everyPeriods)
        return true
    }

    /// Pattern pulses as the profile gives them again. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func resetPatternPulses() {
        patternPulseEnd = pulseEnd
        patternPulseEvery = 1
    }

    /// Keeps input row `row` grounded while patterns are presented (nil: none): a row under study
    /// that must carry only the pulses a protocol puts on it. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func holdInputRowLow(_ row: Int?) {
        heldLowRow = -1
        if let row, row >= 0, row < inputCount { heldLowRow = row }
    }

    /// Puts one pulse on input row `row` (at the pattern rows' amplitude and pulse width) in the
    /// next pulse window, whatever is presented: a single presynaptic spike. Returns false for a
    /// row that does not exist. Safe in tick.
    @_noAllocation @_noLocks
    @discardableResult
    public mutating func pulseInputRow(_ row: Int) -> Bool {
        guard row >= 0, row < inputCount else { return false }
        singlePulseRow = row
        singlePulseActive = false
        return true
    }

    /// Selects (or deselects) row `row` of layer `layer` for the next `access`. Selections stay
    /// until `clearAccessRows()`. Returns false for a row that does not exist. Safe in tick.
    @_noAllocation @_noLocks
    @discardableResult
    public mutating func selectAccessRow(_ row: Int, ofLayer layer: Int, _ selected: Bool = true) -> Bool {
        guard layer >= 0, layer < layerCount, row >= 0, row < layers[layer].rowCount else { return false }
        accessRows[layers[layer].firstRow + row] = selected
        return true
    }

    /// Deselects every row. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func clearAccessRows() {
        var row = 0
        while row < rowCount {
            accessRows[row] = false
            row += 1
        }
    }

    /// Schedules a one-tick access to layer `layer`'s synapse array for the next tick (full-logic
    /// mode only): a programming pulse on the selected rows of `column`, or a read of the selected
    /// rows of `column` (nil: every column of the layer). The tick drives the layer's rows and
    /// the accessed columns' LG, PG, T1 and T3 as `SynapseAccess` describes, whatever the
    /// pattern and the neuron logic would have driven; every other column of the layer is gated
    /// off. Returns false (nothing scheduled) for a layer or column that does not exist or in
    /// clock-and-monitor mode, where the latch chips drive T1 and T3. Safe in tick.
    @_noAllocation @_noLocks
    @discardableResult
    public mutating func access(_ kind: SynapseAccess, layer: Int, column: Int?, readVolts: Double = 0) -> Bool {
        guard computesLogic, layer >= 0, layer < layerCount else { return false }
        var chosen = -1
        if let column {
            guard column >= 0, column < layers[layer].neuronCount else { return false }
            chosen = column
        }
        accessCode = kind.rawValue
        accessLayer = layer
        accessColumn = chosen
        accessReadVolts = readVolts
        return true
    }

    /// The current the board sensed into neuron `neuron`'s column (layer `layer`) during the last
    /// read tick, in amperes: NaN before the tick after a read, or from a board that cannot sense
    /// column currents. Safe in tick.
    @inlinable
    public func columnCurrentAmperes(layer: Int, neuron: Int) -> Double {
        columnCurrents[layers[layer].firstNeuron + neuron]
    }

    /// Records that the loop missed `missedTicks` deadlines; reported as an `overrun` event in the
    /// next tick. Safe in tick.
    @_noAllocation @_noLocks
    public mutating func noteOverrun(missedTicks: UInt64) {
        pendingOverrunTicks &+= missedTicks
    }

    // MARK: - Reading the state (safe in tick)

    /// The events of the last computed tick. Valid until the next `step()`. Safe in tick.
    @inlinable
    public var events: UnsafeBufferPointer<NeuronEvent> {
        UnsafeBufferPointer(rebasing: eventStorage[0..<eventCount])
    }

    /// Lines of neuron `index` (network order) after the last computed tick.
    public func signals(ofNeuron index: Int) -> NeuronSignals { signals[index] }

    /// Whether row `index` (network order) carried a pulse in the last computed tick.
    public func rowIsPulsing(_ index: Int) -> Bool { rows[index] }

    /// CLK in the last computed tick.
    public var clockPhase: ClockPhase {
        nextTick == 0 ? .low : phase(of: nextTick - 1)
    }

    /// The lines the last computed tick drives (what `drive` received).
    public var drivenLines: DrivenLines {
        DrivenLines(
            tick: nextTick == 0 ? 0 : nextTick - 1, clock: clockPhase,
            rows: UnsafeBufferPointer(rows), neurons: UnsafeBufferPointer(signals), mode: mode,
            inputAmplitudeVolts: inputAmplitudeVolts, readVolts: drivenReadVolts)
    }

    /// The sensed lines that the board fills before the next `step()`.
    public var sensedLines: SensedLines {
        SensedLines(fireSense: fireSense, monitored: monitored, mode: mode, columnCurrentAmperes: columnCurrents)
    }

    /// Index in network order of neuron `neuron` of layer `layer`.
    public func neuronIndex(layer: Int, neuron: Int) -> Int {
        layers[layer].firstNeuron + neuron
    }

    /// Neurons in layer `layer`.
    public func neurons(inLayer layer: Int) -> Int { layers[layer].neuronCount }

    /// The current winner of a layer under lateral inhibition, if one is held.
    public func winner(ofLayer layer: Int) -> Int? {
        let winner = layers[layer].winner
        return winner >= 0 ? winner : nil
    }

    /// Holds every tick's rows to `limits` from now on, at the output stage: a pulse that would
    /// pass a limit is cut (or never started) and a `board-fault` of kind `limit-enforced` is
    /// logged. Reserves its memory here; call before the loop starts, not in a tick.
    public mutating func enforce(_ limits: OutputLimits) {
        outputStage?.deallocate()
        outputStage = OutputStage(limits: limits, rows: rows.count, inputRows: configuration.inputs)
    }

    // MARK: - The tick

    @inlinable
    func phase(of tick: UInt64) -> ClockPhase {
        tick % ticksPerPeriod < ticksPerPhase ? .high : .low
    }

    /// One tick against a board: sense, compute, drive. Allocation-free and lock-free when the
    /// board's `sense` and `drive` are (the annotations on `step()` check the core; a generic
    /// function cannot carry them until it is specialised for a board, so a backend checks its
    /// own specialisation, see the tests).
    @inlinable
    public mutating func tick<B: Board>(on board: inout B) {
        if case .some = drivenReadVolts {
            // The last tick was a read: what the board senses now is its answer, and nothing else.
            var index = 0
            while index < neuronCount {
                columnCurrents[index] = .nan
                index += 1
            }
        }
        let sensed = SensedLines(fireSense: fireSense, monitored: monitored, mode: mode, columnCurrentAmperes: columnCurrents)
        let senseFault = board.sense(sensed, tick: currentTick)
        step()
        let tick = currentTick - 1
        var faultContinues = false
        if let senseFault { faultContinues = noteFault(senseFault, tick: tick) }
        var drivenRows = UnsafeBufferPointer(rows)
        if let stage = outputStage {
            if let limited = stage.apply(rows, tick: tick, inputAmplitudeVolts: inputAmplitudeVolts) {
                faultContinues = noteFault(limited, tick: tick) || faultContinues
            }
            drivenRows = UnsafeBufferPointer(stage.driven)
        }
        let driven = DrivenLines(
            tick: tick, clock: phase(of: tick),
            rows: drivenRows, neurons: UnsafeBufferPointer(signals), mode: mode,
            inputAmplitudeVolts: inputAmplitudeVolts, readVolts: drivenReadVolts)
        if let driveFault = board.drive(driven) {
            faultContinues = noteFault(driveFault, tick: tick) || faultContinues
        }
        // A streak ends once a whole clock period has passed without a report.
        if !faultContinues, let streak = faultStreak, tick - streak.lastTick >= ticksPerPeriod {
            appendEvent(.faultCleared, layer: Int(streak.fault.kind.rawValue), neuron: 0, payload: UInt32(clamping: streak.ticks))
            faultStreak = nil
        }
    }

    /// Logs a fault when it begins (a fault reported tick after tick, or again within a clock
    /// period, is one streak, not an event per report) and follows how long it lasts. Returns
    /// true: a streak is going on this tick.
    @inlinable
    mutating func noteFault(_ fault: BoardFault, tick: UInt64) -> Bool {
        if let streak = faultStreak {
            if streak.fault.code == fault.code && streak.fault.kind.rawValue == fault.kind.rawValue {
                faultStreak = FaultStreak(fault: streak.fault, firstTick: streak.firstTick, lastTick: tick)
                return true
            }
            appendEvent(.faultCleared, layer: Int(streak.fault.kind.rawValue), neuron: 0, payload: UInt32(clamping: streak.ticks))
        }
        faultStreak = FaultStreak(fault: fault, firstTick: tick, lastTick: tick)
        appendEvent(.boardFault, layer: Int(fault.kind.rawValue), neuron: 0, payload: fault.code)
        return true
    }

    /// Drives every line low (clock low, no pulses, T1 and T3 off, every column disabled). The
    /// state to leave a board in on stop, crash or fault; the profile may later name its own.
    /// Allocates nothing: the lines are reserved at start.
    public mutating func driveSafeState<B: Board>(on board: inout B) -> BoardFault? {
        board.drive(
            DrivenLines(
                tick: currentTick, clock: .low, rows: UnsafeBufferPointer(safeRows),
                neurons: UnsafeBufferPointer(safeNeurons), mode: mode))
    }

    /// Computes one tick from the sensed lines already in place. Allocation-free and lock-free.
    @_noAllocation @_noLocks
    public mutating func step() {
        let tick = currentTick
        let position = tick % ticksPerPeriod
        let clockHigh = position < ticksPerPhase
        let clockFell = position == ticksPerPhase
        eventCount = 0
        eventTick = tick
        if pendingOverrunTicks > 0 {
            appendEvent(.overrun, layer: 0, neuron: 0, payload: UInt32(clamping: pendingOverrunTicks))
            pendingOverrunTicks = 0
        }

        for layerIndex in 0..<layerCount {
            let layer = layers[layerIndex]
            for local in 0..<layer.neuronCount {
                let index = layer.firstNeuron + local
                let old = signals[index]
                var new: NeuronSignals
                if computesLogic {
                    new = NeuronLogic.next(
                        old: old, fireSense: fireSense[index], clockHigh: clockHigh,
                        clockFell: clockFell, depression: depression)
                    // LG and PG are decided by the layer's lateral inhibition and the protocol
                    // below; keep the old values until then so that the edge logic ignores them.
                    if old.contains(.columnGate) { new.insert(.columnGate) }
                    if old.contains(.programming) { new.insert(.programming) }
                    // Learning off: T3 stays off (grounded inputs are not depressed).
                    if !layer.plastic { new.remove(.depression) }
                } else {
                    new = monitored[index]
                }
                signals[index] = new
                recordEdges(old: old, new: new, layer: layerIndex, neuron: local)
            }
            if computesLogic {
                applyLateralInhibition(layerIndex)
                applyColumnOverrides(layerIndex)
            } else if layer.lateralInhibition {
                followMonitoredInhibition(layerIndex)
            }
        }

        // Rows: layer 0 from the presented pattern, inner layers from the previous layer's spikes.
        let pulsePeriod = patternPulseEvery <= 1 || (tick / ticksPerPeriod &- presentationPeriod) % patternPulseEvery == 0
        let pulseOn = presentedPattern >= 0 && pulsePeriod && position >= pulseStart && position < patternPulseEnd
        if presentedPattern >= 0 && pulsePeriod && position == pulseStart { pulsesDelivered &+= 1 }
        let patternBase = max(0, presentedPattern) * inputCount
        for row in 0..<inputCount {
            rows[row] = pulseOn && (patternPixels[patternBase + row] != noiseMask[row]) && row != heldLowRow
        }
        if singlePulseRow >= 0 {
            if position == pulseStart { singlePulseActive = true }
            if singlePulseActive {
                rows[singlePulseRow] = true
                if position + 1 >= pulseEnd {
                    singlePulseActive = false
                    singlePulseRow = -1
                }
            }
        }
        for layerIndex in 1..<max(1, layerCount) {
            let layer = layers[layerIndex]
            let feeding = layers[layerIndex - 1]
            for row in 0..<layer.rowCount {
                rows[layer.firstRow + row] = signals[feeding.firstNeuron + row].contains(.spike)
            }
        }
        drivenReadVolts = nil
        if accessCode != 0 {
            applyAccess()
            accessCode = 0
        }
        currentTick = tick &+ 1
    }

    @usableFromInline @_noAllocation @_noLocks
    mutating func appendEvent(_ kind: EventKind, layer: Int, neuron: Int, payload: UInt32 = 0) {
        guard eventCount < eventStorage.count else {
            droppedEventCount &+= 1
            return
        }
        // Field by field: the performance checker cannot see into an initialiser from another
        // file in a non-whole-module (debug) build.
        let slot = eventStorage.baseAddress! + eventCount
        slot.pointee.tick = eventTick
        slot.pointee.kind = kind
        slot.pointee.layer = UInt8(truncatingIfNeeded: layer)
        slot.pointee.neuron = UInt16(truncatingIfNeeded: neuron)
        slot.pointee.payload = payload
        eventCount += 1
    }

    mutating func recordEdges(old: NeuronSignals, new: NeuronSignals, layer: Int, neuron: Int) {
        let rising = NeuronSignals(rawValue: new.rawValue & ~old.rawValue)
        if rising.contains(.latch1) { appendEvent(.fire, layer: layer, neuron: neuron) }
        if rising.contains(.spike) { appendEvent(.spike, layer: layer, neuron: neuron) }
        if rising.contains(.potentiation) { appendEvent(.potentiationWindow, layer: layer, neuron: neuron) }
        if rising.contains(.depression) { appendEvent(.depressionWindow, layer: layer, neuron: neuron) }
    }

    /// The software lateral-inhibition array (seed 000 Fig. 4): with no G3 high in the layer every
    /// LG line is 1; once a winner's G3 rises only its LG is 1, until its G3 falls. Ties in one tick
    /// are broken by the configured `TieRule`.
    mutating func applyLateralInhibition(_ layerIndex: Int) {
        var layer = layers[layerIndex]
        let first = layer.firstNeuron
        guard layer.lateralInhibition else {
            for index in first..<(first + layer.neuronCount) { signals[index].insert(.columnGate) }
            return
        }
        if layer.winner >= 0 && !signals[first + layer.winner].contains(.inhibition) {
            appendEvent(.inhibitionReleased, layer: layerIndex, neuron: layer.winner)
            layer.winner = -1
        }
        if layer.winner < 0 {
            var candidates = 0
            for index in first..<(first + layer.neuronCount) where signals[index].contains(.inhibition) {
                candidates += 1
            }
            if candidates > 0 {
                let chosen = chooseWinner(layer: layer, candidates: candidates)
                layer.winner = chosen
                layer.nextCandidate = (chosen + 1) % layer.neuronCount
                appendEvent(.lateralInhibition, layer: layerIndex, neuron: chosen, payload: UInt32(candidates))
            }
        }
        for local in 0..<layer.neuronCount {
            if layer.winner < 0 || layer.winner == local {
                signals[first + local].insert(.columnGate)
            } else {
                signals[first + local].remove(.columnGate)
            }
        }
        layers[layerIndex] = layer
    }

    /// What a protocol asked of the layer's columns, applied after the lateral inhibition: a
    /// supervised target's gate alone, or every gate closed. Then PG follows LG where learning is
    /// on, and stays off where it is not (reading without writing: inference, or a layer trained
    /// before).
    mutating func applyColumnOverrides(_ layerIndex: Int) {
        let layer = layers[layerIndex]
        let first = layer.firstNeuron
        for local in 0..<layer.neuronCount {
            let index = first + local
            if layer.gatingCode == -2 || (layer.gatingCode >= 0 && local != layer.gatingCode) {
                signals[index].remove(.columnGate)
            } else if layer.gatingCode >= 0 {
                signals[index].insert(.columnGate)
            }
            if layer.plastic && signals[index].contains(.columnGate) {
                signals[index].insert(.programming)
            } else {
                signals[index].remove(.programming)
            }
        }
    }

    /// The scheduled synapse access, over what the pattern and the logic computed for its layer.
    mutating func applyAccess() {
        let layer = layers[accessLayer]
        let depress = accessCode == SynapseAccess.depress.rawValue
        let read = accessCode == SynapseAccess.read.rawValue
        var local = 0
        while local < layer.neuronCount {
            let index = layer.firstNeuron + local
            var lines = signals[index]
            if accessColumn < 0 || local == accessColumn {
                lines.insert(.columnGate)
                if depress {
                    lines.remove(.potentiation)
                    lines.insert(.depression)
                } else {
                    lines.remove(.depression)
                    lines.insert(.potentiation)
                }
                if read { lines.remove(.programming) } else { lines.insert(.programming) }
            } else {
                lines.remove(.columnGate)
                lines.remove(.programming)
            }
            signals[index] = lines
            local += 1
        }
        var row = 0
        while row < layer.rowCount {
            let selected = accessRows[layer.firstRow + row]
            // Depression grounds the selected rows and holds the others at the amplitude, so that
            // T3's lift leaves too little across them to RESET (half-select).
            rows[layer.firstRow + row] = depress ? !selected : selected
            row += 1
        }
        if read { drivenReadVolts = accessReadVolts }
    }

    /// Picks the `n`-th candidate by the tie rule. `candidates` ≥ 1.
    mutating func chooseWinner(layer: LayerState, candidates: Int) -> Int {
        let first = layer.firstNeuron
        let count = layer.neuronCount
        var skip = 0
        var start = 0
        switch tieRuleCode {
        case 1:
            start = layer.nextCandidate
        case 2:
            skip = SeededDraw.below(candidates, state: &randomState)
        default:
            break
        }
        for step in 0..<count {
            let local = (start + step) % count
            if signals[first + local].contains(.inhibition) {
                if skip == 0 { return local }
                skip -= 1
            }
        }
        return start
    }

    /// Clock-and-monitor mode: the hardware LIA decides; the core only logs its decisions, read
    /// from the LG lines (exactly one LG high in the layer = a winner).
    mutating func followMonitoredInhibition(_ layerIndex: Int) {
        var layer = layers[layerIndex]
        let first = layer.firstNeuron
        var open = 0
        var last = -1
        for local in 0..<layer.neuronCount where signals[first + local].contains(.columnGate) {
            open += 1
            last = local
        }
        let winner = (open == 1 && layer.neuronCount > 1) ? last : -1
        if winner != layer.winner {
            if layer.winner >= 0 { appendEvent(.inhibitionReleased, layer: layerIndex, neuron: layer.winner) }
            if winner >= 0 { appendEvent(.lateralInhibition, layer: layerIndex, neuron: winner, payload: 1) }
            layer.winner = winner
            layers[layerIndex] = layer
        }
    }
}

/// A one-tick access to a layer's synapse array that a protocol schedules (`NeuronCore.access`):
/// the controller's side of weight read-out and of STDP's programming pulses (DESIGN.md,
/// "Protocols"). Weights still change only in the hardware: this drives the lines that let them.
public enum SynapseAccess: UInt8, Sendable, BitwiseCopyable {
    /// SET: T1 holds the column's node 1 at ground and PG is on; the selected rows pulse at the
    /// input amplitude, the others are grounded (nothing across them).
    case potentiate = 1
    /// RESET: T3 lifts the column's node 1 and PG is on; the selected rows are grounded (the whole
    /// lift across them), the others are held at the input amplitude (too little to RESET).
    case depress = 2
    /// Read: T1 holds node 1 at virtual ground through the column's sense resistor, PG off (the
    /// gates at read level); the selected rows carry the read voltage, far below SET and RESET.
    /// The board reports each column's current in the next tick's sense.
    case read = 3
}

/// How a layer's LG lines are driven (`NeuronCore.setColumns`).
public enum ColumnGating: Sendable, Equatable, BitwiseCopyable {
    /// As wired: from the lateral-inhibition array if the layer has one, otherwise always on.
    case asWired
    /// Supervised learning (seed 000 Methods): only this neuron's shared gate is on, at the gate
    /// voltage; every other column's gate is grounded.
    case only(neuron: Int)
    /// Every gate grounded: the layer neither integrates nor learns (training another layer).
    case closed
}

/// Per-layer bookkeeping, reserved at start.
@usableFromInline
struct LayerState {
    @usableFromInline var firstNeuron: Int
    @usableFromInline var neuronCount: Int
    /// First row (network order) feeding this layer, and how many.
    @usableFromInline var firstRow: Int
    @usableFromInline var rowCount: Int
    @usableFromInline var lateralInhibition: Bool
    /// Held winner (index within the layer), or −1.
    @usableFromInline var winner: Int = -1
    /// Round-robin tie rule: where the next search starts.
    @usableFromInline var nextCandidate: Int = 0
    /// `ColumnGating` as set by a protocol: −1 as wired, −2 closed, ≥ 0 only that neuron.
    @usableFromInline var gatingCode: Int = -1
    /// Whether T1/T3 may program the layer's synapses.
    @usableFromInline var plastic: Bool = true

    @usableFromInline
    init(firstNeuron: Int, neuronCount: Int, firstRow: Int, rowCount: Int, lateralInhibition: Bool) {
        self.firstNeuron = firstNeuron
        self.neuronCount = neuronCount
        self.firstRow = firstRow
        self.rowCount = rowCount
        self.lateralInhibition = lateralInhibition
    }
}

// MARK: - The logic of one neuron
// `NeuronSignals` and `NeuronLogic` live in this file, not files of their own, because the
// compiler's allocation checks on `step()` cannot see into functions of other files in a debug
// (non-whole-module) build, and SwiftPM builds debug targets file by file.

/// The combinational and latch logic of one hybrid neuron (seed 000 Fig. 3a), as a pure function
/// of its previous lines, its fire sense and the clock.
///
/// - L1 (D-latch): transparent while CLK is high, so it follows the fire sense; holds while low.
///   The lines sensed for a tick are their levels at the instant the tick begins, so the sample of
///   the first low tick is the level at the falling clock edge: L1 takes that sample too, as a real
///   latch closing on that edge would, then holds. (Otherwise a fire in the last tick of a high
///   phase would be lost.)
/// - L2 (D-latch): transparent while CLK is low, so it follows L1; holds while high.
/// - G1 (spike) = L2 AND CLK. G3 (lateral inhibition) = L1 OR L2. T1 (refractory/potentiation) = L2.
/// - T3 (depression) per `DepressionPhase`; never on together with T1.
///
/// Consequences the tests check: L2 changes only at the start of a low phase, so a spike lasts
/// exactly one high phase and T1 lasts a whole number of clock periods (one, when the fire sense
/// has cleared by the next high phase: the refractory period of 500 µs at 2 kHz).
public enum NeuronLogic {
    @inlinable
    public static func next(
        old: NeuronSignals, fireSense: Bool, clockHigh: Bool, clockFell: Bool,
        depression: DepressionPhase
    ) -> NeuronSignals {
        var latch1 = old.contains(.latch1)
        var latch2 = old.contains(.latch2)
        if clockHigh || clockFell { latch1 = fireSense }
        if !clockHigh { latch2 = latch1 }
        var new = NeuronSignals(rawValue: 0)
        if latch1 { new.insert(.latch1) }
        if latch2 {
            new.insert(.latch2)
            new.insert(.potentiation)
        }
        if latch2 && clockHigh { new.insert(.spike) }
        if latch1 || latch2 { new.insert(.inhibition) }
        let depress: Bool
        switch depression {
        case .disabled:
            depress = false
        case .beforeRefractory:
            depress = latch1 && !latch2
        case .afterRefractory:
            // The low phase in which T1 switched off: T1 fell in this tick, or T3 is already on and
            // the phase has not ended.
            depress = !clockHigh && !latch2
                && (old.contains(.potentiation) || old.contains(.depression))
        }
        if depress { new.insert(.depression) }
        return new
    }
}

/// The digital lines of one hybrid neuron (seed 000 Fig. 3a), one bit each.
///
/// In full-logic mode the core computes them every tick; in clock-and-monitor mode they are read
/// back from real latch and gate chips.
@frozen
public struct NeuronSignals: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Computed, not stored, constants: a stored static is initialised lazily behind a lock,
    // which a board's allocation-free `sense`/`drive` in another module must not touch.

    /// L1, the first D-latch: transparent while CLK is high (follows the fire sense).
    @inlinable public static var latch1: NeuronSignals { NeuronSignals(rawValue: 1 << 0) }
    /// L2, the second D-latch: transparent while CLK is low (follows L1).
    @inlinable public static var latch2: NeuronSignals { NeuronSignals(rawValue: 1 << 1) }
    /// G1 = L2 AND CLK: the output spike.
    @inlinable public static var spike: NeuronSignals { NeuronSignals(rawValue: 1 << 2) }
    /// G3 = L1 OR L2: the lateral-inhibition signal into the LIA.
    @inlinable public static var inhibition: NeuronSignals { NeuronSignals(rawValue: 1 << 3) }
    /// T1 gate = L2: node 1 to virtual ground (refractory period; potentiates active inputs).
    @inlinable public static var potentiation: NeuronSignals { NeuronSignals(rawValue: 1 << 4) }
    /// T3 gate: lifts node 1 (depresses the synapses of grounded inputs).
    @inlinable public static var depression: NeuronSignals { NeuronSignals(rawValue: 1 << 5) }
    /// LG: this neuron's synapse column is enabled by the lateral-inhibition array.
    @inlinable public static var columnGate: NeuronSignals { NeuronSignals(rawValue: 1 << 6) }
    /// PG: the column's access gates are at the programming voltage (seed 000: 3.0 V), so the
    /// T1/T3 windows and strong input pulses can SET/RESET its synapses; without it an enabled
    /// column's gates sit at the read level, whose compliance current programs nothing.
    /// Follows LG in a layer whose learning is on.
    @inlinable public static var programming: NeuronSignals { NeuronSignals(rawValue: 1 << 7) }

    public var description: String {
        let names: [(NeuronSignals, String)] = [
            (.latch1, "L1"), (.latch2, "L2"), (.spike, "G1"), (.inhibition, "G3"),
            (.potentiation, "T1"), (.depression, "T3"), (.columnGate, "LG"), (.programming, "PG"),
        ]
        let on = names.filter { contains($0.0) }.map(\.1)
        return on.isEmpty ? "[]" : "[" + on.joined(separator: " ") + "]"
    }
}
