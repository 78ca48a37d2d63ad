namespace PcapStream.Config;

/// <summary>
/// Everything the settings file (<c>pcapstream.yaml</c> or <c>.json</c>) can hold, by section. Values come from
/// the file, then <c>PCAPSTREAM_SECTION_KEY</c> environment variables, then command-line flags, each layer
/// overriding the one before (DESIGN.md "Configuration"). Load it with <c>SettingsLoader.Load</c>; every
/// key is listed, with its environment variable, in <see cref="SettingKeys.All"/> and docs/capture.md.
/// </summary>
public sealed class PcapStreamSettings
{
    /// <summary><c>capture:</c> the knobs of the original env.sh (interfaces, rotation, limits, naming).</summary>
    public CaptureSettings Capture { get; } = new();

    /// <summary><c>run:</c> the streaming job's input, output and pacing.</summary>
    public RunSettings Run { get; } = new();

    /// <summary><c>retention:</c> how long captures and dataset partitions are kept.</summary>
    public RetentionSettings Retention { get; } = new();

    /// <summary><c>elasticsearch:</c> the optional search sink. Its password never comes from the command line.</summary>
    public ElasticsearchSettings Elasticsearch { get; } = new();

    /// <summary>The settings file that was read, or null when none was found (defaults + environment only).</summary>
    public string? SourceFile { get; internal set; }
}

/// <summary>The <c>capture:</c> section (used by <c>pcapstream capture</c>).</summary>
public sealed class CaptureSettings
{
    /// <summary>Interfaces to capture on, one capture stream each. Empty: the interface with the default route.</summary>
    public List<string> Interfaces { get; } = [];

    /// <summary>Root of the capture tree; files go to <c>DIR/&lt;sensor&gt;/&lt;directoryFormat&gt;/</c>. Required.</summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Sensor (capture stream) name, used as the folder under <see cref="Directory"/>. Null: the interface name.
    /// With several interfaces it is a prefix: <c>&lt;sensor&gt;-&lt;interface&gt;</c>.
    /// </summary>
    public string? Sensor { get; set; }

    /// <summary>Start a new file after this many seconds (tcpdump -G; at least 1). Default 20 (env.sh's time limit).</summary>
    public int RotateSeconds { get; set; } = 20;

    /// <summary>Also start a new file past this many megabytes (10^6 bytes, tcpdump -C); 0 disables. Default 100.</summary>
    public int RotateMegabytes { get; set; } = 100;

    /// <summary>Stop after this many files (env.sh's file limit); 0 = run until stopped. Default 0.</summary>
    public int MaxFiles { get; set; }

    /// <summary>Bytes kept per packet (tcpdump -s); 0 = the whole packet (262144). Default 0.</summary>
    public int Snaplen { get; set; }

    /// <summary>BPF filter expression (tcpdump syntax); null captures everything.</summary>
    public string? Filter { get; set; }

    /// <summary>File name prefix: hidden files are <c>.&lt;prefix&gt;-YYYYMMDD-HHMMSS.pcap</c>. Default <c>dump</c>.</summary>
    public string FilePrefix { get; set; } = "dump";

    /// <summary>
    /// Date folders under the sensor folder, strftime-style; only %Y %m %d %H %M %S are allowed, plus letters,
    /// digits, <c>/ . _ - =</c>. Empty puts files directly in the sensor folder. Default <c>%Y/%m/%d</c>.
    /// </summary>
    public string DirectoryFormat { get; set; } = "%Y/%m/%d";

    /// <summary>Time zone of file and folder names: <c>UTC</c> (default, no DST repeats) or <c>local</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Seconds between drop-counter reports (SIGUSR1 to tcpdump); 0 reports only at exit. Default 60.</summary>
    public int StatsIntervalSeconds { get; set; } = 60;

    /// <summary>Kernel capture buffer in megabytes (tcpdump -B, in MiB); 0 keeps libpcap's default (2 MiB). Default 64.</summary>
    public int BufferMegabytes { get; set; } = 64;

    /// <summary>The tcpdump program (a name searched on PATH, or a path). Default <c>tcpdump</c>.</summary>
    public string Tcpdump { get; set; } = "tcpdump";

    /// <summary>
    /// When started as root, the user tcpdump switches to after opening the interface (tcpdump -Z); the sensor
    /// folder is handed to that user. Null keeps root, so files stay readable by a root job.
    /// </summary>
    public string? User { get; set; }
}

/// <summary>The <c>run:</c> section (used by <c>pcapstream run</c>; the streaming job may add keys).</summary>
public sealed class RunSettings
{
    /// <summary>Capture tree to watch (usually the same as <c>capture.directory</c>).</summary>
    public string? Input { get; set; }

    /// <summary>Dataset root (packets/, flows/, _pcapstream/).</summary>
    public string? Output { get; set; }

    /// <summary>Seconds between micro-batches. Default 30.</summary>
    public int IntervalSeconds { get; set; } = 30;

    /// <summary>
    /// A hidden (in-progress) file untouched for this many seconds is taken as complete: its writer died.
    /// Default 3600 (as <c>run --stale-hidden-after</c>): tcpdump rotates only when a packet arrives, so on a quiet
    /// link a live capture's hidden file can stay unchanged for a long time. 0 never takes hidden files.
    /// </summary>
    public int HiddenStaleSeconds { get; set; } = 3600;
}

/// <summary>The <c>retention:</c> section (used by <c>pcapstream retention</c> and by <c>capture</c>).</summary>
public sealed class RetentionSettings
{
    /// <summary>Delete capture files whose newest packet is older than this many days; 0 keeps them. Default 0.</summary>
    public double CaptureKeepDays { get; set; }

    /// <summary>Delete the oldest capture files while the capture tree holds more than this many GB (10^9 bytes); 0 = no cap.</summary>
    public double CaptureKeepGigabytes { get; set; }

    /// <summary>Delete dataset hour partitions older than this many days; 0 keeps them. Default 0.</summary>
    public double DatasetKeepDays { get; set; }

    /// <summary>Delete the oldest dataset hour partitions while the datasets exceed this many GB; 0 = no cap.</summary>
    public double DatasetKeepGigabytes { get; set; }

    /// <summary>
    /// Also delete capture files no batch has taken yet (never ingested) when the size cap demands it. Default false:
    /// they are kept and the shortfall is reported, because deleting them loses data nobody has seen.
    /// </summary>
    public bool DeleteUnprocessed { get; set; }

    /// <summary>Seconds between retention passes when <c>capture</c> applies it while running. Default 300.</summary>
    public int IntervalSeconds { get; set; } = 300;
}

/// <summary>The <c>elasticsearch:</c> section. Credentials come from the environment or a file only.</summary>
public sealed class ElasticsearchSettings
{
    /// <summary>Cluster URL, e.g. <c>https://es:9200</c>; null disables the sink.</summary>
    public string? Url { get; set; }

    /// <summary>User name for basic authentication.</summary>
    public string? Username { get; set; }

    /// <summary>
    /// Password: from <c>PCAPSTREAM_ELASTICSEARCH_PASSWORD</c>, or read from <see cref="PasswordFile"/>. The
    /// settings file itself may not hold it (it is often world-readable and checked into configuration repos).
    /// </summary>
    public string? Password { get; set; }

    /// <summary>File holding the password (first line); read at load time.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Daily index name prefix. Default <c>pcapstream</c>.</summary>
    public string IndexPrefix { get; set; } = "pcapstream";
}
