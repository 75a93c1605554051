use rocket_warden::Warden;

// A user strategy must implement `UserStrategy`.
struct NotAUserStrategy;

// A partner strategy must implement `PartnerStrategy`.
struct NotAPartnerStrategy;

// A directory must implement `PartnerDirectory`.
struct NotADirectory;

fn main() {
    let _ = Warden::fairing()
        .user_strategy("users", NotAUserStrategy)
        .partner_strategy("partners", NotAPartnerStrategy)
        .partner_directory(NotADirectory);
}
