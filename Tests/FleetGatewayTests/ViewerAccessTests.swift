import FleetGateway
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ViewerAccessTests {
    let token = "viewer-token-0123456789"
    let now: Int64 = 1_800_000_000_000

    @Test func withoutTokensEveryoneReads() {
        let access = ViewerAccess()
        #expect(!access.isRequired)
        #expect(access.admits(authorization: nil, cookie: nil, nowMs: now))
    }

    @Test func aBearerTokenOrASessionAdmits() throws {
        let access = ViewerAccess(tokens: ["older-token-0123456789", token])
        #expect(access.admits(authorization: "Bearer \(token)", cookie: nil, nowMs: now))
        #expect(access.admits(authorization: "Bearer older-token-0123456789", cookie: nil, nowMs: now))
        #expect(!access.admits(authorization: "Bearer \(token)x", cookie: nil, nowMs: now))
        #expect(!access.admits(authorization: nil, cookie: nil, nowMs: now))
        let session = try #require(access.session(for: token, nowMs: now))
        #expect(!session.contains(token))
        #expect(access.admits(authorization: nil, cookie: "theme=dark; \(ViewerAccess.cookieName)=\(session)", nowMs: now))
        // Another gateway with the same token accepts it; one whose token was replaced does not.
        #expect(ViewerAccess(tokens: [token]).admits(authorization: nil, cookie: "\(ViewerAccess.cookieName)=\(session)", nowMs: now))
        #expect(!ViewerAccess(tokens: ["replaced-token-0123456789"]).admits(
            authorization: nil, cookie: "\(ViewerAccess.cookieName)=\(session)", nowMs: now))
        #expect(access.session(for: "not-a-token", nowMs: now) == nil)
    }

    @Test func aSessionEndsAndCannotBeForged() throws {
        let access = ViewerAccess(tokens: [token])
        let session = try #require(access.session(for: token, nowMs: now))
        let lifetime = Int64(ViewerAccess.sessionLifetime / .milliseconds(1))
        #expect(!access.admits(authorization: nil, cookie: "\(ViewerAccess.cookieName)=\(session)", nowMs: now + lifetime))
        let mac = session.split(separator: ".")[1]
        let extended = "\(now + 2 * lifetime).\(mac)"
        #expect(!access.admits(authorization: nil, cookie: "\(ViewerAccess.cookieName)=\(extended)", nowMs: now))
        #expect(!access.admits(authorization: nil, cookie: "\(ViewerAccess.cookieName)=garbage", nowMs: now))
    }

    @Test func readsNeedATokenAndTheBrowserSignsIn() async throws {
        let access = ViewerAccess(tokens: [token])
        let now = self.now
        let router = Router()
        router.middlewares.add(ReadAccessMiddleware(access: access, now: { now }))
        router.get("/api/v1/machines") { _, _ in "fleet" }
        router.post("/api/v1/rules") { _, _ in "written" }
        router.get("/index.html") { _, _ in "page" }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/v1/machines", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"fleetwatch\"")
            }
            try await client.execute(uri: "/index.html", method: .get) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/machines", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) { #expect($0.status == .ok) }
            let session = try #require(access.session(for: token, nowMs: now))
            try await client.execute(
                uri: "/api/v1/machines", method: .get, headers: [.cookie: "\(ViewerAccess.cookieName)=\(session)"]
            ) { #expect($0.status == .ok) }
            // A write carries the admin token, which the config service checks.
            try await client.execute(
                uri: "/api/v1/rules", method: .post, headers: [.authorization: "Bearer admin-token"]
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/rules", method: .post) { #expect($0.status == .unauthorized) }
        }
    }
}
