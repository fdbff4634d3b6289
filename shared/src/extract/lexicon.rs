//! Word lists the extractor leans on: honorifics (with the gender and marital class they imply),
//! capitalised words that are never names, place cues, speech verbs, nicknames and common given
//! names. General English, not tuned to any one book.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// What a title says about its bearer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum TitleClass {
    /// Mr, Sir, Lord, Master, Monsieur, Captain…: a man.
    Male,
    /// Mrs, Madame, Lady (married)…
    Mrs,
    /// Miss, Mademoiselle.
    Miss,
    /// Dr, Professor, Aunt/Uncle-less neutral titles: no gender on their own.
    Neutral,
    /// Aunt, Mother, Sister…: a woman, family-ish.
    FemaleKin,
    /// Uncle, Father, Brother…: a man, family-ish.
    MaleKin,
}

impl TitleClass {
    pub fn gender(self) -> Option<Gender> {
        match self {
            TitleClass::Male | TitleClass::MaleKin => Some(Gender::Male),
            TitleClass::Mrs | TitleClass::Miss | TitleClass::FemaleKin => Some(Gender::Female),
            TitleClass::Neutral => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

/// The title class of a (lowercased, period-less) word, if it is an honorific: forms of
/// address, and the ranks of nobility, the church and the forces that go before a name
/// ("Monsignor Keane", "Ensign Blake"), as style guides list them.
pub fn title_class(w: &str) -> Option<TitleClass> {
    use TitleClass::*;
    Some(match w {
        "mr" | "mister" | "sir" | "lord" | "master" | "monsieur" | "m" | "signor" | "herr"
        | "don" | "count" | "duke" | "baron" | "king" | "prince" | "earl" | "squire"
        | "sergeant" | "sgt" | "captain" | "capt" | "colonel" | "col" | "major" | "lieutenant"
        | "lt" | "general" | "gen" | "admiral" | "commander" | "corporal" | "private"
        | "father" | "brother" | "friar" | "abbé" | "marquis" | "viscount" | "emperor"
        | "sheriff" | "esquire" | "citoyen" | "citizen" | "comrade" | "chevalier" | "sieur"
        | "lieut" | "monsignor" | "archbishop" | "abbot" | "rabbi" | "brigadier" | "ensign" => {
            if matches!(w, "father" | "brother") {
                MaleKin
            } else {
                Male
            }
        }
        "uncle" | "grandfather" | "grandpa" | "cousin" => {
            if w == "cousin" {
                Neutral
            } else {
                MaleKin
            }
        }
        "mrs" | "madame" | "mme" | "madam" | "dame" | "lady" | "duchess" | "countess" | "queen"
        | "princess" | "baroness" | "marchioness" | "signora" | "frau" | "senora" | "señora"
        | "empress" | "widow" | "citoyenne" => Mrs,
        "miss" | "mademoiselle" | "mlle" | "ms" | "fraulein" | "signorina" => Miss,
        "aunt" | "auntie" | "mother" | "sister" | "grandmother" | "granny" | "grandma"
        | "nurse" | "mistress" | "mammy" | "mama" | "mamma" => FemaleKin,
        "dr" | "doctor" | "professor" | "prof" | "rev" | "reverend" | "judge" | "dean"
        | "bishop" | "governor" | "president" | "senator" | "inspector" | "detective"
        | "officer" | "parson" | "deacon" | "elder" | "mayor" | "vicar" | "rector" | "curate"
        | "archdeacon" | "pastor" | "chaplain" | "canon" | "superintendent" => Neutral,
        _ => return None,
    })
}

/// The plain honorific a title word stands for in any language ("monsieur" → "mr"), `None`
/// for ranks and offices ("captain", "sir", "lady").
pub fn plain_honorific(w: &str) -> Option<&'static str> {
    Some(match w {
        "mr" | "mister" | "monsieur" | "m" | "signor" | "herr" | "senor" | "señor" | "don"
        | "citoyen" | "citizen" | "comrade" => "mr",
        "mrs" | "madame" | "mme" | "madam" | "signora" | "frau" | "senora" | "señora"
        | "citoyenne" => "mrs",
        "miss" | "mademoiselle" | "mlle" | "ms" | "fraulein" | "signorina" => "miss",
        _ => return None,
    })
}

/// A sovereign's title ("King James", "Queen Elizabeth"): before a given name alone it names
/// a ruler by regnal name, not a commoner who bears that name.
pub fn is_sovereign_title(w: &str) -> bool {
    matches!(
        w,
        "king"
            | "queen"
            | "emperor"
            | "empress"
            | "tsar"
            | "czar"
            | "tsarina"
            | "czarina"
            | "kaiser"
            | "pharaoh"
            | "pope"
            | "sultan"
    )
}

/// Titles English sets before a given name alone ("Sir Walter", "Lord Henry", "Lady Agatha",
/// "Dame Edith"), as well as before a surname.
pub fn precedes_given_name(w: &str) -> bool {
    matches!(w, "sir" | "lord" | "lady" | "dame")
}

/// Nouns for people by calling, station or tie, the head of a description set beside a name
/// ("Burke, the butler"): general English, with the gendered nouns of `noun_gender` and any
/// word ending in "man" or "woman" ("coachman", "clergyman").
pub fn is_person_noun(w: &str) -> bool {
    noun_gender(w).is_some()
        || (w.len() > 4 && (w.ends_with("man") || w.ends_with("men")))
        || matches!(
            w,
            "servant"
                | "butler"
                | "gardener"
                | "cook"
                | "groom"
                | "housekeeper"
                | "nurse"
                | "governess"
                | "valet"
                | "steward"
                | "page"
                | "doctor"
                | "physician"
                | "surgeon"
                | "lawyer"
                | "attorney"
                | "solicitor"
                | "clerk"
                | "merchant"
                | "trader"
                | "farmer"
                | "shepherd"
                | "sailor"
                | "captain"
                | "soldier"
                | "officer"
                | "sergeant"
                | "colonel"
                | "general"
                | "priest"
                | "vicar"
                | "curate"
                | "parson"
                | "rector"
                | "minister"
                | "bishop"
                | "teacher"
                | "tutor"
                | "master"
                | "mistress"
                | "schoolmaster"
                | "porter"
                | "waiter"
                | "landlord"
                | "landlady"
                | "innkeeper"
                | "tailor"
                | "smith"
                | "blacksmith"
                | "carpenter"
                | "miller"
                | "baker"
                | "butcher"
                | "banker"
                | "president"
                | "detective"
                | "inspector"
                | "constable"
                | "judge"
                | "magistrate"
                | "friend"
                | "neighbour"
                | "neighbor"
                | "cousin"
                | "companion"
                | "partner"
                | "stranger"
                | "child"
                | "baby"
                | "orphan"
                | "heir"
                | "pupil"
                | "student"
                | "scholar"
                | "servant-girl"
                | "lover"
                | "suitor"
                | "guest"
                | "visitor"
                | "hunter"
                | "driver"
                | "coachman"
                | "owner"
                | "manager"
                | "agent"
                | "secretary"
                | "artist"
                | "painter"
                | "poet"
                | "writer"
                | "author"
                | "actor"
                | "singer"
                | "dancer"
                | "musician"
                | "boatman"
                | "fisherman"
                | "peasant"
                | "slave"
                | "prisoner"
                | "thief"
                | "murderer"
                | "chief"
                | "leader"
                | "warrior"
                | "youth"
                | "creature"
                | "person"
                | "relative"
                | "relation"
        )
}

/// Words for ships and boats ("the Pequod, a whaler"): a description of no person.
pub fn is_vessel_word(w: &str) -> bool {
    matches!(
        w,
        "ship"
            | "boat"
            | "vessel"
            | "schooner"
            | "brig"
            | "barque"
            | "steamer"
            | "yacht"
            | "whaler"
            | "frigate"
            | "sloop"
            | "cutter"
            | "liner"
    )
}

/// Military ranks set before a surname ("General Washington", "Colonel Brandon"): no place
/// takes one.
pub fn is_military_rank(w: &str) -> bool {
    matches!(
        w,
        "general"
            | "gen"
            | "colonel"
            | "col"
            | "captain"
            | "capt"
            | "major"
            | "lieutenant"
            | "lieut"
            | "lt"
            | "sergeant"
            | "sgt"
            | "corporal"
            | "admiral"
            | "commander"
            | "brigadier"
            | "ensign"
    )
}

/// Titles that name a person only when a name follows ("Mother said" is not a name).
pub fn title_needs_name(w: &str) -> bool {
    !matches!(
        w,
        "mr" | "mrs" | "miss" | "ms" | "dr" | "mme" | "mlle" | "messrs"
    )
}

fn set(words: &'static [&'static str]) -> std::collections::HashSet<&'static str> {
    words.iter().copied().collect()
}

/// The closed classes of English (articles, pronouns, prepositions, conjunctions, auxiliaries
/// and modals, interjections, numerals, quantifiers and the commonest adverbs): words no title
/// stands before as a surname, whatever the census lists.
pub fn is_function_word(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        set(&[
            "i", "a", "an", "the", "and", "but", "or", "if", "so", "yet", "for", "nor", "then",
            "now", "when", "where", "what", "who", "whom", "whose", "why", "how", "which", "while",
            "though", "although", "as", "at", "by", "in", "on", "of", "to", "up", "with", "from",
            "into", "upon", "after", "before", "since", "until", "till", "because", "unless",
            "whether", "here", "there", "this", "that", "these", "those", "he", "she", "it", "we",
            "they", "you", "me", "him", "her", "us", "them", "my", "his", "its", "our", "their",
            "your", "mine", "yours", "hers", "ours", "theirs", "oh", "o", "ah", "alas", "yes",
            "no", "nay", "yea", "ay", "aye", "well", "lo", "ha", "hush", "hark", "bravo", "amen",
            "not", "all", "some", "any", "each", "every", "both", "either", "neither", "one",
            "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "many", "much",
            "more", "most", "such", "very", "just", "only", "even", "still", "also", "never",
            "ever", "do", "does", "did", "is", "are", "was", "were", "be", "been", "have", "has",
            "had", "will", "would", "shall", "should", "can", "could", "may", "might", "must",
            "let", "go", "look", "see", "near", "via", "re", "please",
        ])
    })
    .contains(w)
}

/// Whether a title can stand before `w` as a name: any word that is no never-name, and a
/// census surname that is also a common word ("Mrs. March", "Mr. Young", "Mr. English"),
/// though never a function word.
pub fn names_after_title(w: &str) -> bool {
    !is_never_name(w) || (is_surname(w) && !is_function_word(w))
}

/// Capitalised words that never start or make a name by themselves.
pub fn is_never_name(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        set(&[
            "i",
            "a",
            "an",
            "the",
            "and",
            "but",
            "or",
            "if",
            "so",
            "yet",
            "for",
            "nor",
            "then",
            "now",
            "when",
            "where",
            "what",
            "who",
            "whom",
            "whose",
            "why",
            "how",
            "which",
            "while",
            "though",
            "although",
            "as",
            "at",
            "by",
            "in",
            "on",
            "of",
            "to",
            "up",
            "with",
            "from",
            "into",
            "upon",
            "after",
            "before",
            "since",
            "until",
            "till",
            "because",
            "unless",
            "whether",
            "here",
            "there",
            "this",
            "that",
            "these",
            "those",
            "he",
            "she",
            "it",
            "we",
            "they",
            "you",
            "me",
            "him",
            "her",
            "us",
            "them",
            "my",
            "his",
            "its",
            "our",
            "their",
            "your",
            "mine",
            "yours",
            "hers",
            "ours",
            "theirs",
            "myself",
            "himself",
            "herself",
            "itself",
            "ourselves",
            "themselves",
            "yourself",
            "oh",
            "o",
            "ah",
            "alas",
            "yes",
            "no",
            "nay",
            "yea",
            "ay",
            "aye",
            "well",
            "why",
            "nay",
            "hush",
            "hark",
            "lo",
            "pooh",
            "pshaw",
            "hurrah",
            "bravo",
            "amen",
            "hallo",
            // interjections spelt many ways (general English usage, no book's)
            "hullo",
            "halloo",
            "h'm",
            "h’m",
            "tcha",
            "heigh",
            "oho",
            "aha",
            "whew",
            "phew",
            "hurray",
            "huzza",
            "bah",
            "humph",
            "ahem",
            "psha",
            "tut",
            "hello",
            "ha",
            "not",
            "all",
            "some",
            "any",
            "each",
            "every",
            "both",
            "either",
            "neither",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "first",
            "second",
            "last",
            "next",
            "many",
            "much",
            "more",
            "most",
            "such",
            "very",
            "just",
            "only",
            "even",
            "still",
            "also",
            "never",
            "ever",
            "always",
            "perhaps",
            "indeed",
            "certainly",
            "surely",
            "do",
            "does",
            "did",
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "have",
            "has",
            "had",
            "will",
            "would",
            "shall",
            "should",
            "can",
            "could",
            "may",
            "might",
            "must",
            "let",
            "good",
            "poor",
            "dear",
            "old",
            "young",
            "little",
            "great",
            "come",
            "go",
            "look",
            "see",
            "chapter",
            "book",
            "part",
            "volume",
            "canto",
            "act",
            "scene",
            "preface",
            "contents",
            "introduction",
            "epilogue",
            "prologue",
            "finis",
            "end",
            "note",
            "notes",
            "appendix",
            "god",
            "lord",
            "heaven",
            "heavens",
            "christ",
            "jesus",
            "providence",
            "hell",
            "devil",
            "satan",
            "almighty",
            "saviour",
            "savior",
            "gods",
            "bible",
            "scripture",
            "creator",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "christmas",
            "easter",
            "michaelmas",
            "whitsuntide",
            "lent",
            "sabbath",
            "english",
            "french",
            "german",
            "italian",
            "spanish",
            "irish",
            "scotch",
            "scottish",
            "welsh",
            "american",
            "indian",
            "russian",
            "dutch",
            "greek",
            "latin",
            "roman",
            "british",
            "european",
            "african",
            "asiatic",
            "chinese",
            "japanese",
            "turkish",
            "portuguese",
            "swiss",
            "jewish",
            "jew",
            "jews",
            "catholic",
            "protestant",
            "christian",
            "christians",
            "negro",
            "negroes",
            "yankee",
            "yankees",
            "englishman",
            "englishwoman",
            "frenchman",
            "frenchwoman",
            "sir",
            "madam",
            "ma'am",
            "mrs",
            "mr",
            "miss",
            "mister",
            "please",
            "thank",
            "thanks",
            "goodbye",
            "good-bye",
            "farewell",
            "sure",
            "really",
            "whoever",
            "nothing",
            "something",
            "everything",
            "anything",
            "nobody",
            "somebody",
            "everybody",
            "anybody",
            "someone",
            "everyone",
            "anyone",
            "none",
            "other",
            "another",
            "again",
            "once",
            "ii",
            "iii",
            "iv",
            "v",
            "vi",
            "vii",
            "viii",
            "ix",
            "x",
            "xi",
            "xii",
            "xiii",
            "xiv",
            "xv",
            "xvi",
            "xvii",
            "xviii",
            "xix",
            "xx",
            "mamma",
            "papa",
            "mama",
            "ma",
            "pa",
            "mother",
            "father",
            "aunt",
            "uncle",
            "sister",
            "brother",
            "grandmother",
            "grandfather",
            "son",
            "daughter",
            "nephew",
            "niece",
            "grandson",
            "granddaughter",
            "husband",
            "wife",
            "baby",
            "darling",
            "honey",
            "nurse",
            "doctor",
            "captain",
            "colonel",
            "general",
            "major",
            "judge",
            "king",
            "queen",
            "prince",
            "princess",
            "duke",
            "duchess",
            "madame",
            "monsieur",
            "majesty",
            "highness",
            "lordship",
            "ladyship",
            "excellency",
            "reverend",
            "esq",
            "mme",
            "mlle",
            "lady",
            "master",
            "mistress",
            "professor",
            "dr",
            "st",
            "saint",
            "em",
            "'em",
            "tis",
            "'tis",
            "twas",
            "'twas",
            "o'clock",
            "ve",
            "ll",
            "re",
            "d",
            "s",
            "t",
            "m",
            "mrs.",
            // plural titles name a group: "Messrs. Smith", "Mesdames Callendar and Lesley"
            "messrs",
            "mesdames",
            "messieurs",
            "street",
            "mercy",
            "gracious",
            "goodness",
            "bless",
            "lordy",
            "gad",
            "egad",
            "zounds",
            "golly",
            "gosh",
            "jove",
            "alack",
            "behold",
            "fie",
            "farewell",
            "whereupon",
            "meanwhile",
            "besides",
            "however",
            "therefore",
            "thus",
            "hence",
            "moreover",
            "otherwise",
            "yonder",
            "sometimes",
            "nevertheless",
            "nonetheless",
            "anyway",
            "whatever",
            "wherever",
            "whenever",
            "without",
            "within",
            "about",
            "above",
            "below",
            "across",
            "against",
            "along",
            "among",
            "around",
            "behind",
            "beside",
            "between",
            "beyond",
            "down",
            "during",
            "except",
            "inside",
            "near",
            "off",
            "out",
            "outside",
            "over",
            "past",
            "round",
            "through",
            "toward",
            "towards",
            "under",
            "unlike",
            "via",
            "ok",
            "okay",
            "mm",
            "hm",
            "hmm",
            "eh",
            "huh",
            "ugh",
            "time",
            "war",
            "death",
            "night",
            "day",
            "dreams",
            "nature",
            "fate",
            "fortune",
            "love",
            "life",
            "truth",
            "justice",
            "liberty",
            "society",
        ])
    })
    .contains(w)
}

/// Capitalised words that make a name a place or an institution.
pub fn is_place_word(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        set(&[
            "street",
            "st",
            "hall",
            "house",
            "park",
            "road",
            "lane",
            "square",
            "court",
            "abbey",
            "castle",
            "church",
            "chapel",
            "cathedral",
            "river",
            "hill",
            "hills",
            "bridge",
            "manor",
            "place",
            "grange",
            "heights",
            "wood",
            "woods",
            "forest",
            "mountain",
            "mountains",
            "mount",
            "sea",
            "ocean",
            "island",
            "isle",
            "islands",
            "bay",
            "valley",
            "station",
            "row",
            "gardens",
            "garden",
            "terrace",
            "hotel",
            "inn",
            "college",
            "school",
            "hospital",
            "office",
            "company",
            "club",
            "society",
            "lake",
            "falls",
            "harbour",
            "harbor",
            "port",
            "county",
            "city",
            "town",
            "village",
            "hollow",
            "common",
            "green",
            "field",
            "fields",
            "farm",
            "lodge",
            "cottage",
            "priory",
            "rectory",
            "parsonage",
            "vicarage",
            "academy",
            "institute",
            "university",
            "museum",
            "theatre",
            "theater",
            "palace",
            "tower",
            "gate",
            "market",
            "avenue",
            "boulevard",
            "drive",
            "alley",
            "mews",
            "quay",
            "wharf",
            "pier",
            "docks",
            "embankment",
            "highway",
            "circus",
            "crescent",
            "channel",
            "coast",
            "cape",
            "desert",
            "plains",
            "moor",
            "moors",
            "fen",
            "marsh",
            "creek",
            "canal",
            "point",
            "bank",
            "grove",
            "groves",
            "block",
            "villa",
            "ranch",
            "estate",
            "barracks",
            "prison",
            "cemetery",
            "plantation",
            "bureau",
            "department",
            "ministry",
            "parliament",
            "navy",
            "army",
            "regiment",
            "empire",
            "kingdom",
            "republic",
            "state",
            "states",
            "province",
            "district",
            "shire",
            "chambers",
            "library",
            "gallery",
            "cafe",
            "café",
            "restaurant",
            "tavern",
            "arms",
            "exchange",
            "mills",
            "works",
            "railway",
            "line",
            "ship",
            "landing",
            "wharf",
            "quay",
            "pier",
            "docks",
            "crossing",
            "junction",
            "mine",
            "mines",
            "camp",
            "fort",
            "quarter",
            "quarters",
            "temple",
            "bar",
            "inn",
        ])
    })
    .contains(w)
}

/// Well-known places and nationalities that look like names.
pub fn is_known_place(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        set(&[
            "england",
            "london",
            "france",
            "paris",
            "america",
            "europe",
            "italy",
            "rome",
            "germany",
            "spain",
            "ireland",
            "scotland",
            "wales",
            "india",
            "china",
            "japan",
            "russia",
            "africa",
            "asia",
            "egypt",
            "greece",
            "athens",
            "venice",
            "naples",
            "vienna",
            "berlin",
            "madrid",
            "lisbon",
            "holland",
            "belgium",
            "brussels",
            "switzerland",
            "geneva",
            "canada",
            "australia",
            "boston",
            "york",
            "new",
            "washington",
            "philadelphia",
            "chicago",
            "carolina",
            "connecticut",
            "pennsylvania",
            "maryland",
            "delaware",
            "jersey",
            "illinois",
            "indiana",
            "tennessee",
            "alabama",
            "arkansas",
            "iowa",
            "michigan",
            "wisconsin",
            "kentucky",
            "ohio",
            "mississippi",
            "missouri",
            "louisiana",
            "orleans",
            "texas",
            "california",
            "massachusetts",
            "maine",
            "vermont",
            "jamaica",
            "indies",
            "bath",
            "oxford",
            "cambridge",
            "edinburgh",
            "dublin",
            "liverpool",
            "manchester",
            "birmingham",
            "bristol",
            "brighton",
            "yorkshire",
            "devonshire",
            "kent",
            "surrey",
            "sussex",
            "essex",
            "derbyshire",
            "hertfordshire",
            "london's",
            "thames",
            "nile",
            "rhine",
            "alps",
            "atlantic",
            "pacific",
            "mediterranean",
            "jerusalem",
            "babylon",
            "egypt's",
            "constantinople",
            "moscow",
            "petersburg",
            "st",
            "marseilles",
            "calais",
            "dover",
            "windsor",
            "westminster",
            "piccadilly",
            "broadway",
            "manhattan",
            "brooklyn",
            "harlem",
            "heaven's",
            "eden",
            "zion",
            "israel",
            "judea",
            "persia",
            "arabia",
            "turkey",
            "poland",
            "prussia",
            "austria",
            "hungary",
            "sweden",
            "norway",
            "denmark",
            "brazil",
            "mexico",
            "peru",
            "chile",
            "cuba",
            "haiti",
            "congo",
            "sahara",
            "himalaya",
            "bengal",
            "calcutta",
            "bombay",
            "madras",
            "ceylon",
            "hampshire",
            "lancashire",
            "cornwall",
            "norfolk",
            "suffolk",
            "london-bridge",
        ])
    })
    .contains(w)
}

/// Every line of a data file that is not a comment or blank.
fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Place names from GeoNames (`data/places.txt`, CC BY 4.0): countries, capitals, US states,
/// continents and cities of 100,000 people or more, lower case, multi-word names included.
pub fn places() -> &'static std::collections::HashSet<&'static str> {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| data_lines(include_str!("data/places.txt")).collect())
}

/// A place on the map (GeoNames), "St." read as "Saint" too ("St. Paul" is Saint Paul).
pub fn is_mapped_place(name: &str) -> bool {
    places().contains(name)
        || name
            .strip_prefix("st. ")
            .or_else(|| name.strip_prefix("st "))
            .is_some_and(|rest| places().contains(format!("saint {rest}").as_str()))
}

/// Common surnames (`data/surnames.txt`, 1990 US Census, public domain).
pub fn is_surname(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| data_lines(include_str!("data/surnames.txt")).collect())
        .contains(w)
}

/// Verbs of speech that attribute a quotation ("…," said Jo / Jo replied).
pub fn is_speech_verb(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        set(&[
            "said",
            "says",
            "say",
            "cried",
            "asked",
            "asks",
            "replied",
            "replies",
            "answered",
            "exclaimed",
            "whispered",
            "muttered",
            "shouted",
            "continued",
            "added",
            "returned",
            "observed",
            "remarked",
            "rejoined",
            "called",
            "began",
            "murmured",
            "sighed",
            "laughed",
            "groaned",
            "sobbed",
            "screamed",
            "yelled",
            "demanded",
            "inquired",
            "enquired",
            "responded",
            "retorted",
            "declared",
            "explained",
            "repeated",
            "interrupted",
            "protested",
            "pleaded",
            "urged",
            "suggested",
            "admitted",
            "insisted",
            "persisted",
            "faltered",
            "stammered",
            "gasped",
            "growled",
            "snapped",
            "sneered",
            "thought",
            "wrote",
            "went",
            "resumed",
            "concluded",
            "ejaculated",
            "vociferated",
            "quoth",
            "corrected",
            "announced",
            "cautioned",
            "warned",
            "commanded",
            "ordered",
            "promised",
            "begged",
            "sang",
            "chimed",
            "put",
            "broke",
        ])
    })
    .contains(w)
}

/// Verbs that, right after a name, show the name is someone acting.
pub fn is_person_verb(w: &str) -> bool {
    static S: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        set(&[
            "smiled",
            "laughed",
            "nodded",
            "looked",
            "turned",
            "walked",
            "ran",
            "sat",
            "stood",
            "rose",
            "went",
            "came",
            "took",
            "gave",
            "felt",
            "knew",
            "thought",
            "saw",
            "heard",
            "seemed",
            "wanted",
            "loved",
            "hated",
            "told",
            "asked",
            "answered",
            "replied",
            "cried",
            "wept",
            "frowned",
            "shook",
            "stared",
            "sighed",
            "whispered",
            "shrugged",
            "glanced",
            "kissed",
            "received",
            "met",
            "greeted",
            "spoke",
            "agreed",
            "refused",
            "wondered",
            "decided",
            "noticed",
            "pretended",
            "grinned",
            "winked",
            "brought",
            "helped",
            "married",
            "died",
            "was",
            "had",
            "did",
            "would",
            "could",
            "should",
            "will",
            "has",
            "is",
            "says",
            "said",
            "tried",
            "began",
            "made",
            "put",
            "got",
            "left",
            "entered",
            "opened",
            "closed",
            "paused",
            "hesitated",
            "blushed",
            "started",
            "wrote",
            "read",
            "sang",
            "played",
            "danced",
            "listened",
            "waited",
            "remembered",
            "replied",
            "returned",
            "added",
            "followed",
            "himself",
            "herself",
            "who",
            "and",
            "leaned",
            "bent",
            "held",
            "lay",
            "slept",
            "woke",
            "watched",
            "believed",
            "hoped",
            "feared",
            "wished",
            "liked",
            "meant",
            "cannot",
            "can't",
            "couldn't",
            "wouldn't",
            "didn't",
            "don't",
            "won't",
            "isn't",
            "wasn't",
            "hasn't",
            "hadn't",
        ])
    })
    .contains(w)
}

/// How much a word before a name says the name is a place: 1 for "in", "at", "from"…, a half
/// for "to" (people are gone to too), 0 for anything else.
pub fn place_preposition_weight(w: &str) -> f32 {
    match w {
        "to" => 0.5,
        w if is_place_preposition(w) => 1.0,
        _ => 0.0,
    }
}

/// English prepositions and conjunctions: words that join a phrase, never describe a name.
pub fn is_preposition(w: &str) -> bool {
    matches!(
        w,
        "of" | "for"
            | "with"
            | "by"
            | "on"
            | "upon"
            | "about"
            | "like"
            | "than"
            | "as"
            | "and"
            | "or"
            | "but"
            | "nor"
            | "under"
            | "over"
            | "after"
            | "before"
            | "between"
            | "among"
            | "against"
            | "without"
            | "within"
            | "beside"
            | "behind"
            | "below"
            | "above"
            | "during"
            | "except"
            | "off"
    ) || is_place_preposition(w)
}

/// Prepositions that put a following name in a place ("at Bath", "to London").
pub fn is_place_preposition(w: &str) -> bool {
    matches!(
        w,
        "in" | "at"
            | "to"
            | "from"
            | "into"
            | "towards"
            | "toward"
            | "near"
            | "through"
            | "across"
            | "via"
            | "beyond"
            | "around"
            | "outside"
            | "inside"
            | "visit"
            | "reach"
            | "reached"
            | "leave"
            | "left"
    )
}

/// (nickname, formal given name) pairs: the hand table of common forms (`data/nicknames.tsv`)
/// and the public English nicknames dataset (`data/nicknames_public.tsv`, Apache-2.0).
fn nickname_pairs() -> impl Iterator<Item = (&'static str, &'static str)> {
    let pairs = |file: &'static str| {
        data_lines(file)
            .filter_map(|l| l.split_once('\t'))
            .flat_map(|(nick, formal)| formal.split(',').map(move |f| (nick, f.trim())))
    };
    // Where the hand-written list reads a nickname, its reading stands: the public dataset
    // lists every name a nickname has ever shortened ("Eliza" for Louisa and Louise too).
    let curated: HashSet<&'static str> = pairs(include_str!("data/nicknames.tsv"))
        .map(|(nick, _)| nick)
        .collect();
    // ...and a pair the hand list reads the other way round is not one: it calls "Harry" a
    // nickname of Henry, so Henry is no nickname of Harry.
    let reversed: HashSet<(&'static str, &'static str)> =
        pairs(include_str!("data/nicknames.tsv")).collect();
    pairs(include_str!("data/nicknames.tsv")).chain(
        pairs(include_str!("data/nicknames_public.tsv"))
            .filter(move |(nick, _)| !curated.contains(nick))
            .filter(move |(nick, formal)| !reversed.contains(&(*formal, *nick))),
    )
}

/// Nickname → the formal given names it may stand for (both nickname files).
pub fn nickname_targets(w: &str) -> &'static [&'static str] {
    static M: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    M.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for (nick, formal) in nickname_pairs() {
            let list = m.entry(nick).or_default();
            if !list.contains(&formal) {
                list.push(formal);
            }
        }
        m
    })
    .get(w)
    .map_or(&[], Vec::as_slice)
}

/// The nicknames of a formal given name ("michael" → "mike", "mick").
pub fn nicknames_of(w: &str) -> &'static [&'static str] {
    static M: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    M.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for (nick, formal) in nickname_pairs() {
            let list = m.entry(formal).or_default();
            if !list.contains(&nick) {
                list.push(nick);
            }
        }
        m
    })
    .get(w)
    .map_or(&[], Vec::as_slice)
}

/// Given names (`data/given_names.tsv`, 1990 US Census, public domain) → their gender where
/// the census shows one clearly (4 to 1), `None` for names borne by both.
fn given_names() -> &'static HashMap<&'static str, Option<Gender>> {
    static M: OnceLock<HashMap<&'static str, Option<Gender>>> = OnceLock::new();
    M.get_or_init(|| {
        data_lines(include_str!("data/given_names.tsv"))
            .filter_map(|l| {
                let (name, g) = l.split_once('\t')?;
                let g = match g {
                    "m" => Some(Gender::Male),
                    "f" => Some(Gender::Female),
                    _ => None,
                };
                Some((name, g))
            })
            .collect()
    })
}

/// Whether a (lower-case) word is a known given name.
pub fn is_given_name(w: &str) -> bool {
    given_names().contains_key(w)
}

/// Gender of a known given name, where it is clear.
pub fn given_name_gender(w: &str) -> Option<Gender> {
    given_names().get(w).copied().flatten()
}

/// Words that are usually not names but are given names next to another name word
/// ("May Welland", "Jo March", "Florence Linden").
pub fn is_ambiguous_name(w: &str) -> bool {
    matches!(
        w,
        "may"
            | "june"
            | "april"
            | "august"
            | "march"
            | "will"
            | "grace"
            | "hope"
            | "faith"
            | "rose"
            | "mercy"
            | "patience"
            | "prudence"
            | "charity"
            | "christian"
            | "florence"
            | "virginia"
            | "georgia"
            | "earnest"
            | "young"
            | "little"
            | "black"
            | "brown"
            | "white"
            | "green"
            | "king"
            | "bishop"
            | "baker"
            | "cook"
            | "long"
            | "gay"
            | "sterling"
            | "wood"
            | "hall"
    )
}

/// Endings of place names: a weak cue ("Carlingford", "Coketown", "Chandrapore", but also
/// "Ashburnham" and "Bingham"), set only on untitled forms.
pub fn has_place_suffix(w: &str) -> bool {
    [
        "ford", "shire", "bury", "chester", "minster", "borough", "burgh", "mouth", "caster", "by",
        "town", "pore", "pur", "ham",
    ]
    .iter()
    .any(|s| w.len() > s.len() + 3 && w.ends_with(s))
}

/// A peer's style before the title's name ("Lord Greystoke", "Lady Greystoke"): the name is
/// the peerage, not a surname, so a given name set beside it may be the same person. Not
/// "count" or "prince", as often a foreign title or a royal one.
pub fn is_peerage_style(w: &str) -> bool {
    matches!(
        w,
        "lord"
            | "lady"
            | "earl"
            | "duke"
            | "duchess"
            | "baron"
            | "baroness"
            | "viscount"
            | "marquis"
            | "marquess"
            | "marchioness"
            | "countess"
    )
}

/// Nouns of the land and of its divisions that take a place's name after "of" ("the province
/// of Gascony", "the plains of Guienne", "the port of Freetown") or stand beside it ("William
/// Henry, the post at the head of the lake"). Not "house" ("the house of Usher" is a family),
/// "state" or "empire" ("the state of her mind", "the empire of Napoleon").
pub fn is_place_head(w: &str) -> bool {
    matches!(
        w,
        "province"
            | "provinces"
            | "county"
            | "counties"
            | "kingdom"
            | "city"
            | "cities"
            | "town"
            | "towns"
            | "village"
            | "villages"
            | "island"
            | "islands"
            | "isle"
            | "port"
            | "harbour"
            | "harbor"
            | "plain"
            | "plains"
            | "shore"
            | "shores"
            | "coast"
            | "coasts"
            | "bank"
            | "banks"
            | "waters"
            | "slopes"
            | "hills"
            | "mountains"
            | "valley"
            | "vale"
            | "borders"
            | "frontier"
            | "frontiers"
            | "capital"
            | "streets"
            | "suburbs"
            | "outskirts"
            | "environs"
            | "bay"
            | "gulf"
            | "lake"
            | "republic"
            | "duchy"
            | "principality"
            | "district"
            | "parish"
            | "region"
            | "neighbourhood"
            | "neighborhood"
            | "vicinity"
            | "landscapes"
            | "country"
            | "fort"
            | "fortress"
            | "post"
            | "colony"
            | "territory"
            | "inhabitants"
            | "natives"
            | "citizens"
            | "siege"
            | "battle"
            | "gates"
            | "walls"
    )
}

/// Verbs that follow any noun ("London was", "Christianity had"): weak evidence of a person.
pub fn is_weak_person_verb(w: &str) -> bool {
    matches!(
        w,
        "was"
            | "had"
            | "did"
            | "would"
            | "could"
            | "should"
            | "will"
            | "has"
            | "is"
            | "and"
            | "who"
            | "seemed"
            | "made"
            | "put"
            | "got"
            | "began"
            | "cannot"
            | "can't"
            | "couldn't"
            | "wouldn't"
            | "didn't"
            | "don't"
            | "won't"
            | "isn't"
            | "wasn't"
            | "hasn't"
            | "hadn't"
    )
}

/// Honorifics set after a husband's name to name his wife ("Hamidullah Begum"): Urdu and
/// Persian "Begum", "Khanum", Turkish "Hanım" (written "Hanim", "Hanum"), "Khatun".
pub fn is_wife_honorific_after(w: &str) -> bool {
    matches!(
        w,
        "begum" | "khanum" | "khanoum" | "hanim" | "hanum" | "khatun"
    )
}

/// A post-nominal set after a name ("Josiah Bounderby, Esquire", "John Smith Junior"): no part
/// of the name.
pub fn is_post_nominal(w: &str) -> bool {
    matches!(
        w,
        "esquire" | "esq" | "junior" | "jr" | "senior" | "sr" | "bart" | "bt"
    )
}

/// Adjectives that open a reference without being part of the name ("Little Adele").
pub fn is_descriptor(w: &str) -> bool {
    matches!(
        w,
        "little"
            | "young"
            | "old"
            | "poor"
            | "dear"
            | "good"
            | "great"
            | "big"
            | "small"
            | "pretty"
            | "handsome"
            | "beautiful"
            | "wicked"
            | "sweet"
            | "wise"
            | "kind"
            | "fat"
            | "tall"
            | "proud"
    )
}

/// The gender a common noun for a person says ("son", "niece"): for a description set beside
/// a name.
pub fn noun_gender(w: &str) -> Option<Gender> {
    match w {
        "man" | "boy" | "lad" | "son" | "father" | "brother" | "husband" | "uncle" | "nephew"
        | "grandfather" | "grandson" | "gentleman" | "fellow" | "widower" | "bachelor" | "king"
        | "prince" | "duke" | "earl" | "baron" | "lord" | "monk" | "priest" | "stepson"
        | "stepfather" | "schoolboy" => Some(Gender::Male),
        "woman" | "girl" | "lass" | "daughter" | "mother" | "sister" | "wife" | "aunt"
        | "niece" | "grandmother" | "granddaughter" | "lady" | "widow" | "spinster" | "queen"
        | "princess" | "duchess" | "countess" | "baroness" | "nun" | "maid" | "stepdaughter"
        | "stepmother" | "schoolgirl" | "actress" | "heiress" => Some(Gender::Female),
        _ => None,
    }
}

/// Words that open a noun phrase which names no one in particular ("the", "a", "his").
pub fn is_determiner(w: &str) -> bool {
    matches!(
        w,
        "the" | "a" | "an" | "his" | "her" | "their" | "my" | "our" | "your" | "another"
    )
}

/// The months of the year (lower case).
pub fn is_month(w: &str) -> bool {
    matches!(
        w,
        "january"
            | "february"
            | "march"
            | "april"
            | "may"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
    )
}

/// An ordinal number written as a word ("fourth", "twenty-first"): a day of the month.
pub fn is_ordinal(w: &str) -> bool {
    let last = w.rsplit('-').next().unwrap_or(w);
    matches!(
        last,
        "first"
            | "second"
            | "third"
            | "fourth"
            | "fifth"
            | "sixth"
            | "seventh"
            | "eighth"
            | "ninth"
            | "tenth"
            | "eleventh"
            | "twelfth"
            | "thirteenth"
            | "fourteenth"
            | "fifteenth"
            | "sixteenth"
            | "seventeenth"
            | "eighteenth"
            | "nineteenth"
            | "twentieth"
            | "thirtieth"
    )
}
