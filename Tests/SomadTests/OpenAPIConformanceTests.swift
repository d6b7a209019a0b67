import Foundation
import SomaProtocol
import Testing

/// docs/openapi.json against the running daemon: every documented operation answers with a
/// documented status, and every JSON body matches its schema both ways — no required field
/// missing, no field the document does not describe, every value of the documented type.
@Suite("somad and docs/openapi.json", .serialized)
struct OpenAPIConformanceTests {
    let document: [String: Any]

    init() throws {
        let data = try Data(contentsOf: repository.appendingPathComponent("docs/openapi.json"))
        document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("every documented operation, called on a live daemon, answers as documented")
    func everyOperation() async throws {
        let somad = try Daemon.simulated()
        defer { somad.terminate() }
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        // Order: uploads and runs first, so the reads have something to show; deletes last.
        let order = ["post", "get", "delete"]
        var operations: [(path: String, method: String, operation: [String: Any])] = []
        for (path, item) in paths {
            for (method, operation) in item {
                if let operation = operation as? [String: Any], order.contains(method) { operations.append((path, method, operation)) }
            }
        }
        operations.sort { (order.firstIndex(of: $0.method)!, $0.path.count, $0.path) < (order.firstIndex(of: $1.method)!, $1.path.count, $1.path) }
        #expect(operations.count == 13)

        var problems: [String] = []
        for (template, method, operation) in operations {
            let path = template.replacingOccurrences(of: "{name}", with: "openapi-example").replacingOccurrences(of: "{id}", with: "1")
            var body: Data?
            if let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: [String: Any]],
               let example = content["application/json"]?["example"] {
                body = try JSONSerialization.data(withJSONObject: example)
            }
            if template == "/v1/events/stream" {
                let stream = try StreamReader(port: somad.base!.port!, path: path + "?after=0")
                let lines = try stream.readLines(1, timeoutSeconds: 10)
                let responses = operation["responses"] as! [String: Any]
                let schema = (((responses["200"] as! [String: Any])["content"] as! [String: Any])["application/x-ndjson"] as! [String: Any])["schema"] as! [String: Any]
                problems += validate(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)), schema, at: "\(method) \(path) line 1")
                continue
            }
            let answer = try await somad.request(method.uppercased(), path, body: body)
            let responses = try #require(operation["responses"] as? [String: Any])
            guard let response = responses["\(answer.status)"] as? [String: Any] else {
                problems.append("\(method) \(path): status \(answer.status) is not documented: \(String(decoding: answer.body, as: UTF8.self))")
                continue
            }
            guard let content = response["content"] as? [String: [String: Any]] else {
                if !answer.body.isEmpty { problems.append("\(method) \(path): a body where none is documented") }
                continue
            }
            if let schema = content["application/json"]?["schema"] as? [String: Any] {
                problems += validate(try JSONSerialization.jsonObject(with: answer.body), schema, at: "\(method) \(path)")
            } else {
                #expect(content["text/plain"] != nil)
                #expect(String(decoding: answer.body, as: UTF8.self).contains("# TYPE soma_loop_ticks_total counter"))
            }
            // The run the POST started must be running before the reads; give it a moment.
            if template == "/v1/runs", method == "post" { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("an error answer matches the Error schema, and the validator catches a field the document does not describe")
    func errorsMatch() async throws {
        let somad = try Daemon.simulated()
        defer { somad.terminate() }
        let schema: [String: Any] = ["$ref": "#/components/schemas/Error"]
        let bad = try await somad.request("POST", "/v1/runs", body: Data(#"{"protocol": "present"}"#.utf8))
        #expect(bad.status == 400)
        #expect(validate(try JSONSerialization.jsonObject(with: bad.body), schema, at: "400").isEmpty)
        let validator = validate(["error": "x", "surprise": 1], schema, at: "made up")
        #expect(validator == ["made up: field surprise is not in the document"], "the validator itself catches undocumented fields")
    }

    /// JSONSerialization gives true/false and numbers alike as NSNumber; booleans are the ones
    /// stored as a C char.
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    /// Problems with `value` against `schema` (a small JSON Schema subset: $ref, type (with
    /// null), properties, required, additionalProperties: false, items, enum).
    func validate(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
        if let reference = schema["$ref"] as? String {
            let name = String(reference.split(separator: "/").last!)
            let schemas = (document["components"] as! [String: Any])["schemas"] as! [String: Any]
            guard let resolved = schemas[name] as? [String: Any] else { return ["\(path): \(reference) is not in the document"] }
            return validate(value, resolved, at: path)
        }
        let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if value is NSNull { return types.contains("null") ? [] : ["\(path): null where \(types) is documented"] }
        var problems: [String] = []
        if let allowed = schema["enum"] as? [String], let text = value as? String, !allowed.contains(text) {
            problems.append("\(path): '\(text)' is not one of \(allowed)")
        }
        switch types.first(where: { $0 != "null" }) {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for required in schema["required"] as? [String] ?? [] where object[required] == nil {
                problems.append("\(path): required field \(required) is missing")
            }
            for (key, field) in object.sorted(by: { $0.key < $1.key }) {
                guard let fieldSchema = properties[key] else {
                    if schema["additionalProperties"] as? Bool == false { problems.append("\(path): field \(key) is not in the document") }
                    continue
                }
                problems += validate(field, fieldSchema, at: "\(path).\(key)")
            }
        case "array":
            guard let array = value as? [Any] else { return ["\(path): not an array"] }
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() { problems += validate(item, items, at: "\(path)[\(index)]") }
            }
        case "string":
            if !(value is String) { problems.append("\(path): not a string") }
        case "integer":
            if let number = value as? NSNumber, !Self.isBoolean(number), number.doubleValue == number.doubleValue.rounded() {} else { problems.append("\(path): not an integer") }
        case "number":
            if let number = value as? NSNumber, !Self.isBoolean(number) {} else { problems.append("\(path): not a number") }
        case "boolean":
            if let number = value as? NSNumber, Self.isBoolean(number) {} else { problems.append("\(path): not a boolean") }
        default:
            break
        }
        return problems
    }
}
